public import NIOCore
public import PostgresNIO

// PostgreSQL's geometric types, in their binary formats (float8 coordinates).

extension ByteBuffer {
    mutating func readDouble() throws -> Double { Double(bitPattern: try read(UInt64.self)) }
    mutating func writeDouble(_ value: Double) { writeInteger(value.bitPattern) }
    mutating func readPoint() throws -> PostgresPoint { PostgresPoint(x: try readDouble(), y: try readDouble()) }
    mutating func writePoint(_ point: PostgresPoint) {
        writeDouble(point.x)
        writeDouble(point.y)
    }
    mutating func readPoints() throws -> [PostgresPoint] {
        let count = Int(try read(Int32.self))
        guard count >= 0, count * 16 <= readableBytes else { throw PostgresDecodingError.Code.failure }
        return try (0..<count).map { _ in try readPoint() }
    }
    mutating func writePoints(_ points: [PostgresPoint]) {
        writeInteger(Int32(points.count))
        for point in points { writePoint(point) }
    }
}

/// `point`.
public struct PostgresPoint: Sendable, Hashable, Codable, PostgresBinaryValue {
    public var x: Double
    public var y: Double

    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }

    public static var psqlType: PostgresDataType { .point }
    public static var psqlArrayType: PostgresDataType { PostgresDataType(1017) }
    public static var decodedTypes: [PostgresDataType] { [.point] }
    public init(binary buffer: inout ByteBuffer, type: PostgresDataType) throws { self = try buffer.readPoint() }
    public func write(into buffer: inout ByteBuffer) { buffer.writePoint(self) }
}

/// `lseg`: a line segment.
public struct PostgresLineSegment: Sendable, Hashable, Codable, PostgresBinaryValue {
    public var start: PostgresPoint
    public var end: PostgresPoint

    public init(start: PostgresPoint, end: PostgresPoint) {
        self.start = start
        self.end = end
    }

    public static var psqlType: PostgresDataType { .lseg }
    public static var psqlArrayType: PostgresDataType { PostgresDataType(1018) }
    public static var decodedTypes: [PostgresDataType] { [.lseg] }
    public init(binary buffer: inout ByteBuffer, type: PostgresDataType) throws {
        start = try buffer.readPoint()
        end = try buffer.readPoint()
    }
    public func write(into buffer: inout ByteBuffer) {
        buffer.writePoint(start)
        buffer.writePoint(end)
    }
}

/// `box`: PostgreSQL stores the upper-right corner first.
public struct PostgresBox: Sendable, Hashable, Codable, PostgresBinaryValue {
    public var upperRight: PostgresPoint
    public var lowerLeft: PostgresPoint

    public init(upperRight: PostgresPoint, lowerLeft: PostgresPoint) {
        self.upperRight = upperRight
        self.lowerLeft = lowerLeft
    }

    public static var psqlType: PostgresDataType { .box }
    public static var psqlArrayType: PostgresDataType { PostgresDataType(1020) }
    public static var decodedTypes: [PostgresDataType] { [.box] }
    public init(binary buffer: inout ByteBuffer, type: PostgresDataType) throws {
        upperRight = try buffer.readPoint()
        lowerLeft = try buffer.readPoint()
    }
    public func write(into buffer: inout ByteBuffer) {
        buffer.writePoint(upperRight)
        buffer.writePoint(lowerLeft)
    }
}

/// `path`: open or closed.
public struct PostgresPath: Sendable, Hashable, Codable, PostgresBinaryValue {
    public var points: [PostgresPoint]
    public var isClosed: Bool

    public init(points: [PostgresPoint], isClosed: Bool) {
        self.points = points
        self.isClosed = isClosed
    }

    public static var psqlType: PostgresDataType { .path }
    public static var psqlArrayType: PostgresDataType { PostgresDataType(1019) }
    public static var decodedTypes: [PostgresDataType] { [.path] }
    public init(binary buffer: inout ByteBuffer, type: PostgresDataType) throws {
        isClosed = try buffer.read(UInt8.self) != 0
        points = try buffer.readPoints()
    }
    public func write(into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(isClosed ? 1 : 0))
        buffer.writePoints(points)
    }
}

/// `polygon`.
public struct PostgresPolygon: Sendable, Hashable, Codable, PostgresBinaryValue {
    public var points: [PostgresPoint]

    public init(points: [PostgresPoint]) {
        self.points = points
    }

    public static var psqlType: PostgresDataType { .polygon }
    public static var psqlArrayType: PostgresDataType { PostgresDataType(1027) }
    public static var decodedTypes: [PostgresDataType] { [.polygon] }
    public init(binary buffer: inout ByteBuffer, type: PostgresDataType) throws { points = try buffer.readPoints() }
    public func write(into buffer: inout ByteBuffer) { buffer.writePoints(points) }
}

/// `line`: the line `a·x + b·y + c = 0`.
public struct PostgresLine: Sendable, Hashable, Codable, PostgresBinaryValue {
    public var a: Double
    public var b: Double
    public var c: Double

    public init(a: Double, b: Double, c: Double) {
        self.a = a
        self.b = b
        self.c = c
    }

    public static var psqlType: PostgresDataType { .line }
    public static var psqlArrayType: PostgresDataType { PostgresDataType(629) }
    public static var decodedTypes: [PostgresDataType] { [.line] }
    public init(binary buffer: inout ByteBuffer, type: PostgresDataType) throws {
        a = try buffer.readDouble()
        b = try buffer.readDouble()
        c = try buffer.readDouble()
    }
    public func write(into buffer: inout ByteBuffer) {
        buffer.writeDouble(a)
        buffer.writeDouble(b)
        buffer.writeDouble(c)
    }
}

/// `circle`.
public struct PostgresCircle: Sendable, Hashable, Codable, PostgresBinaryValue {
    public var center: PostgresPoint
    public var radius: Double

    public init(center: PostgresPoint, radius: Double) {
        self.center = center
        self.radius = radius
    }

    public static var psqlType: PostgresDataType { .circle }
    public static var psqlArrayType: PostgresDataType { PostgresDataType(719) }
    public static var decodedTypes: [PostgresDataType] { [.circle] }
    public init(binary buffer: inout ByteBuffer, type: PostgresDataType) throws {
        center = try buffer.readPoint()
        radius = try buffer.readDouble()
    }
    public func write(into buffer: inout ByteBuffer) {
        buffer.writePoint(center)
        buffer.writeDouble(radius)
    }
}
