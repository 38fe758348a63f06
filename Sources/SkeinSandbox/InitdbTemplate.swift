import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A pristine `initdb`'d data directory kept next to the throwaway clusters, copied instead of running `initdb`
/// again: on tmpfs a copy takes 0.04 s where `initdb` takes 0.3 s (1 s on disk), and every `skein generate`,
/// `skein verify` and test run starts a cluster.
///
/// The template is keyed by the installation (version and program directory), the superuser and the owner. It is
/// used only when it is a real directory (not a link) owned by the account that runs the server, with no group or
/// other permissions, and complete (written under a temporary name and renamed into place) — so another local
/// user cannot plant one in a shared `/tmp` or `/dev/shm`. Set `SKEIN_SANDBOX_TEMPLATE=off` to always run
/// `initdb`.
struct InitdbTemplate {
    var path: String
    var ownerID: UInt32

    init(options: SandboxOptions, account: SystemAccount?) {
        ownerID = account?.userID ?? UInt32(geteuid())
        var hash: UInt64 = 14_695_981_039_346_656_037
        for byte in options.installation.binDirectory.utf8 {
            hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211
        }
        let key = String(hash % 1_000_000_007, radix: 36)
        path =
            options.parentDirectory
            + "/skein-initdb-\(options.installation.version)-\(options.superuser)-\(ownerID)-\(key)"
    }

    static func isEnabled(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        environment["SKEIN_SANDBOX_TEMPLATE"] != "off"
    }

    /// Whether the template is there and can be trusted.
    var isUsable: Bool {
        var status = stat()
        guard lstat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR, UInt32(status.st_uid) == ownerID,
            (status.st_mode & 0o077) == 0
        else { return false }
        return access(path + "/PG_VERSION", F_OK) == 0
    }

    /// Copies the template to `dataDirectory` (which must not exist) as the server's account.
    func copy(to dataDirectory: String, runner: ProgramRunner, workingDirectory: String, logger: Logger) async -> Bool {
        guard isUsable else { return false }
        let copier = ProgramRunner(binDirectory: "/bin", account: runner.account)
        guard
            let result = try? await copier.run(
                "cp", ["-a", path, dataDirectory], workingDirectory: workingDirectory, logger: logger),
            result.isSuccess
        else {
            try? FileManager.default.removeItem(atPath: dataDirectory)
            return false
        }
        logger.debug("copied the initdb template", metadata: ["sandbox.template": "\(path)"])
        return true
    }

    /// Keeps a copy of a freshly `initdb`'d data directory for the next cluster (best effort).
    func save(from dataDirectory: String, runner: ProgramRunner, workingDirectory: String, logger: Logger) async {
        guard !isUsable else { return }
        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        // Made here and handed to the server's account, so the parent need not be writable by that account.
        guard mkdir(temporary, 0o700) == 0 else { return }
        if let account = runner.account, chown(temporary, uid_t(account.userID), gid_t(account.groupID)) != 0 {
            rmdir(temporary)
            return
        }
        let copier = ProgramRunner(binDirectory: "/bin", account: runner.account)
        guard
            let result = try? await copier.run(
                "cp", ["-a", dataDirectory + "/.", temporary], workingDirectory: workingDirectory, logger: logger),
            result.isSuccess, rename(temporary, path) == 0
        else {
            // Another process saved one first, or the copy failed: nothing lost either way.
            try? FileManager.default.removeItem(atPath: temporary)
            return
        }
        logger.debug("saved the initdb template", metadata: ["sandbox.template": "\(path)"])
    }
}
