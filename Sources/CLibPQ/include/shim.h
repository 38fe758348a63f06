// libpq, PostgreSQL's client library; used only by SkeinCodegen to describe prepared statements.
// Debian/Ubuntu: apt-get install libpq-dev    Homebrew: brew install libpq (keg-only; found through pkg-config)
// pkg-config puts the header's directory on the include path (Debian: /usr/include/postgresql); without it, the
// Debian and Homebrew locations are tried directly.
#if __has_include(<libpq-fe.h>)
#include <libpq-fe.h>
#elif __has_include(<postgresql/libpq-fe.h>)
#include <postgresql/libpq-fe.h>
#elif __has_include("/opt/homebrew/opt/libpq/include/libpq-fe.h")
#include "/opt/homebrew/opt/libpq/include/libpq-fe.h"
#elif __has_include("/usr/local/opt/libpq/include/libpq-fe.h")
#include "/usr/local/opt/libpq/include/libpq-fe.h"
#else
#error "libpq is missing: install libpq-dev (Debian/Ubuntu) or libpq (Homebrew), or run scripts/bootstrap.sh"
#endif
