import PostgresNIO

/// A running client, as an app has one.
let client = PostgresClient(
    configuration: .init(host: "localhost", username: "app", password: nil, database: "app", tls: .disable))
