#include "skein_executor.h"

#include <stddef.h>

// Declared by the Swift runtime (swift/Runtime/Concurrency.h) as a function pointer in the Swift calling
// convention; only its address is used here.
extern void *swift_task_enqueueGlobal_hook;

int skein_install_enqueue_global_hook(void *hook) {
    void *expected = NULL;
    return __atomic_compare_exchange_n(&swift_task_enqueueGlobal_hook, &expected, hook, 0, __ATOMIC_SEQ_CST,
                                       __ATOMIC_SEQ_CST);
}
