// libpq loaded on first use: see shim.h. Each function SkeinCodegen calls is defined here and forwards to the
// loaded library's, looked up once.
#include "shim.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

// Every libpq function SkeinCodegen calls: X(return type, name, parameters, arguments), or V(name, parameters,
// arguments) for one that returns nothing.
#define SKEIN_LIBPQ_FUNCTIONS(X, V)                                                                                    \
    V(PQclear, (PGresult * res), (res))                                                                     \
    X(PGconn *, PQconnectdb, (const char *conninfo), (conninfo))                                                  \
    X(PGconn *, PQconnectdbParams, (const char *const *keywords, const char *const *values, int expand_dbname),   \
      (keywords, values, expand_dbname))                                                                          \
    V(PQconninfoFree, (PQconninfoOption * connOptions), (connOptions))                                      \
    X(PQconninfoOption *, PQconninfoParse, (const char *conninfo, char **errmsg), (conninfo, errmsg))             \
    X(char *, PQdb, (const PGconn *conn), (conn))                                                                 \
    X(PGresult *, PQdescribePrepared, (PGconn * conn, const char *stmt), (conn, stmt))                            \
    X(int, PQenterPipelineMode, (PGconn * conn), (conn))                                                          \
    X(char *, PQerrorMessage, (const PGconn *conn), (conn))                                                       \
    X(PGresult *, PQexec, (PGconn * conn, const char *query), (conn, query))                                      \
    X(PGresult *, PQexecParams,                                                                                   \
      (PGconn * conn, const char *command, int nParams, const Oid *paramTypes, const char *const *paramValues,    \
       const int *paramLengths, const int *paramFormats, int resultFormat),                                       \
      (conn, command, nParams, paramTypes, paramValues, paramLengths, paramFormats, resultFormat))                \
    X(int, PQexitPipelineMode, (PGconn * conn), (conn))                                                           \
    V(PQfinish, (PGconn * conn), (conn))                                                                    \
    X(int, PQfmod, (const PGresult *res, int field_num), (res, field_num))                                        \
    X(char *, PQfname, (const PGresult *res, int field_num), (res, field_num))                                    \
    V(PQfreemem, (void *ptr), (ptr))                                                                        \
    X(Oid, PQftable, (const PGresult *res, int field_num), (res, field_num))                                      \
    X(int, PQftablecol, (const PGresult *res, int field_num), (res, field_num))                                   \
    X(Oid, PQftype, (const PGresult *res, int field_num), (res, field_num))                                       \
    X(PGresult *, PQgetResult, (PGconn * conn), (conn))                                                           \
    X(int, PQgetisnull, (const PGresult *res, int tup_num, int field_num), (res, tup_num, field_num))             \
    X(char *, PQgetvalue, (const PGresult *res, int tup_num, int field_num), (res, tup_num, field_num))           \
    X(char *, PQhost, (const PGconn *conn), (conn))                                                               \
    X(int, PQnfields, (const PGresult *res), (res))                                                               \
    X(int, PQnparams, (const PGresult *res), (res))                                                               \
    X(int, PQntuples, (const PGresult *res), (res))                                                               \
    X(Oid, PQparamtype, (const PGresult *res, int param_num), (res, param_num))                                   \
    X(PGpipelineStatus, PQpipelineStatus, (const PGconn *conn), (conn))                                           \
    X(int, PQpipelineSync, (PGconn * conn), (conn))                                                               \
    X(char *, PQport, (const PGconn *conn), (conn))                                                               \
    X(PGresult *, PQprepare, (PGconn * conn, const char *stmtName, const char *query, int nParams,                \
                              const Oid *paramTypes),                                                             \
      (conn, stmtName, query, nParams, paramTypes))                                                               \
    X(char *, PQresultErrorField, (const PGresult *res, int fieldcode), (res, fieldcode))                         \
    X(ExecStatusType, PQresultStatus, (const PGresult *res), (res))                                               \
    X(int, PQsendDescribePrepared, (PGconn * conn, const char *stmt), (conn, stmt))                               \
    X(int, PQsendPrepare, (PGconn * conn, const char *stmtName, const char *query, int nParams,                   \
                           const Oid *paramTypes),                                                                \
      (conn, stmtName, query, nParams, paramTypes))                                                               \
    X(PQnoticeProcessor, PQsetNoticeProcessor, (PGconn * conn, PQnoticeProcessor proc, void *arg),               \
      (conn, proc, arg))                                                                                          \
    X(ConnStatusType, PQstatus, (const PGconn *conn), (conn))                                                     \
    X(char *, PQuser, (const PGconn *conn), (conn))

#define SKEIN_LIBPQ_POINTER(type, name, parameters, arguments) static type(*skein_##name) parameters;
#define SKEIN_LIBPQ_VOID_POINTER(name, parameters, arguments) SKEIN_LIBPQ_POINTER(void, name, parameters, arguments)
SKEIN_LIBPQ_FUNCTIONS(SKEIN_LIBPQ_POINTER, SKEIN_LIBPQ_VOID_POINTER)

static pthread_once_t skein_libpq_once = PTHREAD_ONCE_INIT;
static const char *skein_libpq_error = "libpq was not loaded";
static char skein_libpq_message[512];

// The names libpq 14 and later (pipeline mode) has, in the order they are tried.
static const char *const skein_libpq_names[] = {
#if defined(__APPLE__)
    "libpq.5.dylib",
    "/opt/homebrew/opt/libpq/lib/libpq.5.dylib",
    "/usr/local/opt/libpq/lib/libpq.5.dylib",
#else
    "libpq.so.5",
    "libpq.so",
#endif
};

static void skein_libpq_load(void) {
    void *library = NULL;
    for (size_t index = 0; library == NULL && index < sizeof skein_libpq_names / sizeof *skein_libpq_names; index++) {
        library = dlopen(skein_libpq_names[index], RTLD_NOW | RTLD_LOCAL);
    }
    if (library == NULL) {
        const char *reason = dlerror();
        snprintf(skein_libpq_message, sizeof skein_libpq_message,
                 "libpq could not be loaded (%s); install it (Debian/Ubuntu: apt-get install libpq5; Homebrew: brew "
                 "install libpq)",
                 reason != NULL ? reason : skein_libpq_names[0]);
        skein_libpq_error = skein_libpq_message;
        return;
    }
#define SKEIN_LIBPQ_LOOKUP(type, name, parameters, arguments)                                                       \
    *(void **)&skein_##name = dlsym(library, #name); /* POSIX's way to store a function's address */       \
    if (skein_##name == NULL) {                                                                                     \
        skein_libpq_error = "the libpq found lacks " #name ": skein generate needs libpq 14 or later";              \
        return;                                                                                                     \
    }
#define SKEIN_LIBPQ_VOID_LOOKUP(name, parameters, arguments) SKEIN_LIBPQ_LOOKUP(void, name, parameters, arguments)
    SKEIN_LIBPQ_FUNCTIONS(SKEIN_LIBPQ_LOOKUP, SKEIN_LIBPQ_VOID_LOOKUP)
    skein_libpq_error = NULL;
}

const char *skein_libpq_load_error(void) {
    pthread_once(&skein_libpq_once, skein_libpq_load);
    return skein_libpq_error;
}

static void skein_libpq_require(const char *name) {
    const char *error = skein_libpq_load_error();
    if (error != NULL) {
        fprintf(stderr, "skein: %s called before libpq was loaded: %s\n", name, error);
        abort();
    }
}

#define SKEIN_LIBPQ_FORWARD(type, name, parameters, arguments)                                                      \
    type name parameters {                                                                                          \
        skein_libpq_require(#name);                                                                                 \
        return skein_##name arguments;                                                                              \
    }
#define SKEIN_LIBPQ_VOID_FORWARD(name, parameters, arguments)                                                       \
    void name parameters {                                                                                          \
        skein_libpq_require(#name);                                                                                 \
        skein_##name arguments;                                                                                     \
    }
SKEIN_LIBPQ_FUNCTIONS(SKEIN_LIBPQ_FORWARD, SKEIN_LIBPQ_VOID_FORWARD)
