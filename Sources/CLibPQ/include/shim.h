// libpq, PostgreSQL's client library; used only by SkeinCodegen to describe prepared statements.
// Debian/Ubuntu: apt-get install libpq-dev    Homebrew: brew install libpq (keg-only)
// The header comes from the include path when it is on it, else from the Debian and Homebrew locations.
//
// libpq is loaded when `skein generate` first needs it (LibPQLoader.c), not linked: linked, it and the ~20
// libraries it needs (GnuTLS, Kerberos, LDAP, …) are loaded and relocated at the start of every skein process,
// about 4 ms each time. The functions SkeinCodegen calls are defined in LibPQLoader.c and forward to libpq.
#ifndef SKEIN_CLIBPQ_SHIM_H
#define SKEIN_CLIBPQ_SHIM_H

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

/// Loads libpq (once; thread-safe). Returns NULL when it is loaded with every function SkeinCodegen calls, else
/// why not (a static string). Call it before any PQ function: those abort when libpq could not be loaded.
const char *skein_libpq_load_error(void);

#endif
