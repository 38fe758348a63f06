// libpg_query, PostgreSQL's own grammar as a library.
// Debian/Ubuntu: apt-get install libpg-query-dev    Homebrew: brew install libpg_query
#if __has_include(<pg_query.h>)
#include <pg_query.h>
#else
#error "libpg_query is missing: install libpg-query-dev (Debian/Ubuntu) or libpg_query (Homebrew), or run scripts/bootstrap.sh"
#endif
