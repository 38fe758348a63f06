#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Finding a free TCP port on 127.0.0.1.
enum FreePort {
    /// Asks the kernel for a free port by binding to port 0 on 127.0.0.1.
    ///
    /// The port is free when this returns; another process may take it before the server binds it, so the caller
    /// retries with another port when the server reports "Address already in use".
    static func find() throws(SandboxError) -> Int {
        try bind(port: 0)
    }

    /// Whether `port` can be bound on 127.0.0.1 right now.
    static func isFree(_ port: Int) -> Bool {
        (try? bind(port: port)) != nil
    }

    private static func bind(port: Int) throws(SandboxError) -> Int {
        #if canImport(Darwin)
            let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #else
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #endif
        guard descriptor >= 0 else { throw SandboxError(code: .noFreePort, reason: errnoText()) }
        defer { close(descriptor) }
        var address = sockaddr_in()
        #if canImport(Darwin)
            address.sin_len = UInt8(MemoryLayout<sockaddr_in>.size)
        #endif
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                systemBind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw SandboxError(code: .noFreePort, reason: errnoText()) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { throw SandboxError(code: .noFreePort, reason: errnoText()) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

#if canImport(Glibc)
    private let systemBind = Glibc.bind
#elseif canImport(Musl)
    private let systemBind = Musl.bind
#elseif canImport(Darwin)
    private let systemBind = Darwin.bind
#endif

func errnoText() -> String {
    String(cString: strerror(errno))
}
