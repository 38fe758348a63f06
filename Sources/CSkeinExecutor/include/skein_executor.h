#ifndef SKEIN_EXECUTOR_H
#define SKEIN_EXECUTOR_H

/// Sets the Swift runtime's global-enqueue hook (`swift_task_enqueueGlobal_hook`) to `hook`, atomically, and
/// returns 1; 0 when one is already installed. The CLI installs a hook that runs Swift concurrency's jobs on NIO's
/// event loop (Sources/SkeinCLI/Entry/EventLoopExecutor.swift). The symbol is referenced at link time, not looked
/// up with dlsym: a binary built with --static-swift-stdlib does not export it.
int skein_install_enqueue_global_hook(void *hook);

#endif
