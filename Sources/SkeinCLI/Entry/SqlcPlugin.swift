import Foundation

/// `sqlc generate` with a sqlc.yaml that names Skein as a codegen plugin (`plugins: [{name: swift, process: {cmd:
/// skein}}]`, the form that lets one file serve sqlc and Skein) runs `skein /plugin.CodegenService/Generate` with
/// its request on standard input. Skein generates from PostgreSQL's answers in `skein generate`, not from sqlc's
/// request, so it reads the request and answers with an empty response (no files): sqlc's own generators run as
/// usual and its run succeeds.
enum SqlcPlugin {
    static let method = "/plugin.CodegenService/Generate"

    /// Reads sqlc's request from standard input and answers with an empty `GenerateResponse` (no files).
    static func answer() {
        _ = FileHandle.standardInput.readDataToEndOfFile()
    }
}
