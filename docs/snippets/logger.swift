import Logging

/// The logger the docs' blocks log to.
let logger = Logger(label: "docs")
