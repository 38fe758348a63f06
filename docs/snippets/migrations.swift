import SkeinCore

/// The migrations read earlier on the page.
let migrations: [Migration] = []
