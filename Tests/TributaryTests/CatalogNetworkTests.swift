import FeedFetch
import Foundation
import Testing
import TributaryCore
import TributaryTestSupport

/// BAD-INPUTS N7, N8, N10–N12 and N15–N21 that `FeedFetcherTests` and `FeedFetcherHostileTests` do not pin:
/// connect-time address refusal without a TCP connection, status handling at the `Aggregator` level
/// (source state in the store, the other sources keep going; in `CatalogNetworkTests+Statuses.swift`),
/// and TLS against a local `openssl s_server`.
@Suite struct CatalogNetworkTests {
    static let feedText = "<rss version=\"2.0\"><channel><title>T</title><item><guid>g1</guid><title>Kept story</title><link>https://t.example/1</link></item></channel></rss>"
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func fetcher(blocksPrivate: Bool) -> FeedFetcher {
        FeedFetcher(settings: FetchSettings(connectTimeout: .seconds(30), totalTimeout: .seconds(60), blocksPrivateAddresses: blocksPrivate))
    }

    static func fetchError(_ url: String, on fetcher: FeedFetcher) async -> FetchError? {
        do {
            _ = try await fetcher.fetch(FetchRequest(url: url))
            return nil
        } catch {
            return error
        }
    }

    static let rssType = ("Content-Type", "application/rss+xml")

    /// Servers here are `RawHTTPServer`s: their own threads answer, so a busy cooperative pool (two
    /// threads on a small CI machine, shared with every other suite) cannot make a fetch time out.
    static func rawServer(_ extra: [String: [RawHTTPServer.Step]] = [:]) throws -> RawHTTPServer {
        try RawHTTPServer(
            routes: ["/feed.xml": RawHTTPServer.response(headers: [rssType], body: Array(feedText.utf8))].merging(extra) { $1 })
    }

    static func status(_ code: Int, _ headers: [(String, String)] = [], body: String = "") -> [RawHTTPServer.Step] {
        RawHTTPServer.response(code, headers: headers, body: Array(body.utf8))
    }

    // MARK: Addresses (N10–N12)

    /// The metadata address is refused by the `CURLOPT_OPENSOCKETFUNCTION` callback, which returns
    /// `CURL_SOCKET_BAD` before `socket(2)`: `blockedAddress` is set only there. Had a connection been
    /// tried, 169.254.169.254 (unroutable here) would have ended in `timeout` or `connect` instead.
    @Test func N10_redirectToMetadataIsRefusedBeforeConnecting() async throws {
        let server = try Self.rawServer(["/to-metadata": Self.status(302, [("Location", "http://169.254.169.254/latest/meta-data/")])])
        defer { server.stop() }
        let url = server.baseURL + "/to-metadata"
        let error = await Self.fetchError(url, on: Self.fetcher(blocksPrivate: false))
        #expect(error?.code == .blockedAddress)
        #expect(error?.url == url)
        #expect(error?.message == "refused to connect to 169.254.169.254: address not allowed")
        #expect(server.requestCount("/to-metadata") == 1)
    }

    /// Loopback spelled four ways; the listener on 127.0.0.1 never sees a TCP connection. With the
    /// policy off the decimal form reaches it, so the refusal is the policy, not a parse failure.
    @Test(arguments: ["[::ffff:127.0.0.1]", "[::127.0.0.1]", "2130706433", "0.0.0.0"])
    func N11_loopbackLiteralsAreRefusedWhenPrivateAddressesAreBlocked(host: String) async throws {
        let server = try Self.rawServer()
        defer { server.stop() }
        let url = "http://\(host):\(server.port)/feed.xml"
        let error = await Self.fetchError(url, on: Self.fetcher(blocksPrivate: true))
        #expect(error?.code == .blockedAddress, "got \(String(describing: error))")
        #expect(error?.url == url)
        #expect(error?.message.hasPrefix("refused to connect to ") == true)
        #expect(server.connectionCount == 0)
        if host == "2130706433" {
            let allowed = try await Self.fetcher(blocksPrivate: false).fetch(FetchRequest(url: url))
            #expect(allowed.status == 200)
            #expect(server.connectionCount == 1)
        }
    }

    /// A host name (not a literal) resolving to loopback is refused at socket-open time: the URL
    /// check cannot see it, and no TCP connection reaches the listener.
    @Test func N12_hostnameResolvingToLoopbackIsRefusedAtConnectTime() async throws {
        let server = try Self.rawServer()
        defer { server.stop() }
        let url = "http://localhost:\(server.port)/feed.xml"
        let error = await Self.fetchError(url, on: Self.fetcher(blocksPrivate: true))
        #expect(error?.code == .blockedAddress)
        #expect(error?.message.contains("127.0.0.1") == true || error?.message.contains(":1") == true)
        #expect(server.connectionCount == 0)
        // The same name reaches the listener when the policy is off.
        #expect(try await Self.fetcher(blocksPrivate: false).fetch(FetchRequest(url: url)).status == 200)
        #expect(server.connectionCount >= 1)
    }

    // MARK: Redirects (N7, N8)

    /// Beyond `FeedFetcherTests.N9_redirectsAreCheckedHopByHop`: the message names the loop and the URL is the source's.
    @Test func N7_redirectLoopStopsWithAMessageAndTheSourceURL() async throws {
        let server = try Self.rawServer(["/loop": Self.status(302, [("Location", "/loop2")]), "/loop2": Self.status(302, [("Location", "/loop")])])
        defer { server.stop() }
        let error = await Self.fetchError(server.baseURL + "/loop", on: Self.fetcher(blocksPrivate: false))
        #expect(error?.code == .tooManyRedirects && error?.url == server.baseURL + "/loop")
        #expect(error?.message == "stopped after a redirect loop (last: \(server.baseURL)/loop)")
        #expect(server.requestCount("/loop") == 1 && server.requestCount("/loop2") == 1)
    }

    /// /chain/N redirects N times before the feed: 5 (the limit) is followed, 6 is refused.
    @Test func N8_chainWithinTheLimitIsFollowedAndOverItIsRefused() async throws {
        var routes = ["/chain/0": RawHTTPServer.response(headers: [Self.rssType], body: Array(Self.feedText.utf8))]
        for hop in 1...6 { routes["/chain/\(hop)"] = Self.status(302, [("Location", "/chain/\(hop - 1)")]) }
        let server = try Self.rawServer(routes)
        defer { server.stop() }
        let fetcher = Self.fetcher(blocksPrivate: false)
        let followed = try await fetcher.fetch(FetchRequest(url: server.baseURL + "/chain/5"))
        #expect(followed.status == 200 && followed.finalURL == server.baseURL + "/chain/0")
        let error = await Self.fetchError(server.baseURL + "/chain/6", on: fetcher)
        #expect(error?.code == .tooManyRedirects && error?.message.contains("more than 5 redirects") == true)
    }

    // MARK: TLS (N21)

    static func fetcher(caFile: String?) -> FeedFetcher {
        FeedFetcher(settings: FetchSettings(connectTimeout: .seconds(30), totalTimeout: .seconds(60), caFile: caFile))
    }

    /// A self-signed certificate, and one that expired in 2020 from a CA the fetcher trusts
    /// (`ca_file`): verification fails with `tls` naming the reason, and only a source marked
    /// `insecure` gets through (no silent downgrade).
    @Test(arguments: [TLSFixture.Kind.selfSigned, .expired])
    func N21_selfSignedOrExpiredCertificateIsATLSErrorUnlessMarkedInsecure(kind: TLSFixture.Kind) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try await offPool { try TLSFixture(directory: directory, kind: kind) }
        let url = "https://127.0.0.1:\(server.port)/"
        let error = await Self.fetchError(url, on: Self.fetcher(caFile: server.authorityFile))
        #expect(error?.code == .tls, "got \(String(describing: error))")
        #expect(error?.url == url && error?.message.hasPrefix("TLS failed: ") == true)
        let reason = kind == .expired ? "expired" : "self-signed"
        #expect(error?.message.contains(reason) == true, "\(error?.message ?? "")")
        var insecureStatus: Int?
        do {
            insecureStatus = try await Self.fetcher(caFile: server.authorityFile).fetch(FetchRequest(url: url, isInsecure: true)).status
        } catch {
            Issue.record("the insecure fetch failed: \(error)")
        }
        await server.stop()
        #expect(insecureStatus == 200)
    }

    /// The fixture's valid certificate from its own CA verifies when that CA is the `ca_file`, and not
    /// against the system's authorities: the expired case above fails for its date, not its issuer.
    @Test func N21_certificateFromATrustedPrivateAuthorityVerifies() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let server = try await offPool { try TLSFixture(directory: directory, kind: .valid) }
        let url = "https://127.0.0.1:\(server.port)/"
        var status: Int?
        do {
            status = try await Self.fetcher(caFile: server.authorityFile).fetch(FetchRequest(url: url)).status
        } catch {
            Issue.record("fetch with the CA trusted failed: \(error)")
        }
        let untrusted = await Self.fetchError(url, on: Self.fetcher(caFile: nil))
        await server.stop()
        #expect(status == 200)
        #expect(untrusted?.code == .tls)
    }

    /// https to a port that speaks plain HTTP (it waits for a request head, then hangs up) fails as
    /// `tls`, never falls back to http: the feed route is never requested.
    @Test func N21_httpsToAPlainHTTPPortIsATLSError() async throws {
        let server = try Self.rawServer()
        defer { server.stop() }
        let error = await Self.fetchError("https://127.0.0.1:\(server.port)/feed.xml", on: Self.fetcher(blocksPrivate: false))
        #expect(error?.code == .tls, "got \(String(describing: error))")
        #expect(server.requestCount("/feed.xml") == 0)
    }
}

/// `openssl s_server -www` on 127.0.0.1 with a fresh certificate: self-signed, or issued by a fresh CA
/// (`authorityFile`) and valid for a day, or valid only in January 2020.
final class TLSFixture: Sendable {
    enum Kind: Sendable, CustomTestStringConvertible {
        case selfSigned, valid, expired
        var testDescription: String { "\(self)" }
    }

    let port: Int
    let process: Process
    /// The issuing CA's certificate (PEM), nil for a self-signed one.
    let authorityFile: String?

    init(directory: TemporaryDirectory, kind: Kind) throws {
        let key = directory.path + "/key.pem", certificate = directory.path + "/cert.pem"
        let newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=127.0.0.1"]
        if kind == .selfSigned {
            try Self.openssl(["req", "-x509"] + newKey + ["-keyout", key, "-out", certificate, "-days", "1"], in: directory)
            authorityFile = nil
        } else {
            // `openssl req` cannot back-date; `openssl ca` takes explicit dates.
            let authority = directory.path + "/ca.pem"
            try Self.openssl(
                ["req", "-x509"] + newKey + ["-subj", "/CN=Tributary test CA", "-keyout", "ca-key.pem", "-out", authority, "-days", "1"],
                in: directory)
            try directory.write("index.txt", "")
            try directory.write("serial", "01\n")
            try directory.write(
                "ca.cnf",
                "[ca]\ndefault_ca = local\n[local]\ndatabase = index.txt\nnew_certs_dir = .\nserial = serial\n"
                    + "default_md = sha256\npolicy = anything\ncopy_extensions = copy\n[anything]\ncommonName = supplied\n")
            try Self.openssl(
                ["req", "-new"] + newKey + ["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", "request.pem"],
                in: directory)
            let dates = kind == .expired ? ["-startdate", "20200101000000Z", "-enddate", "20200201000000Z"] : ["-days", "1"]
            try Self.openssl(
                ["ca", "-batch", "-config", "ca.cnf", "-cert", authority, "-keyfile", "ca-key.pem", "-in", "request.pem", "-out", certificate]
                    + dates, in: directory)
            authorityFile = authority
        }
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        server.arguments = ["s_server", "-accept", "127.0.0.1:0", "-www", "-cert", certificate, "-key", key]
        let output = Pipe()
        server.standardOutput = output
        server.standardError = FileHandle.nullDevice
        try server.run()
        // "Using default temp DH parameters", then "ACCEPT 127.0.0.1:PORT".
        var text = ""
        while !text.contains("ACCEPT") || !text.hasSuffix("\n"), let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty {
            text += String(decoding: byte, as: UTF8.self)
        }
        guard text.contains("ACCEPT"), let port = Int(text.split(separator: ":").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") else {
            kill(server.processIdentifier, SIGKILL)
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "openssl s_server said: \(text)"])
        }
        self.port = port
        self.process = server
    }

    private static func openssl(_ arguments: [String], in directory: TemporaryDirectory) throws {
        let make = Process()
        make.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        make.arguments = arguments
        make.currentDirectoryURL = URL(fileURLWithPath: directory.path)
        make.standardOutput = FileHandle.nullDevice
        make.standardError = FileHandle.nullDevice
        try make.run()
        make.waitUntilExit()
        guard make.terminationStatus == 0 else {
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "openssl \(arguments.prefix(2)) failed"])
        }
    }

    /// SIGKILL: a test process that ran a ServiceLifecycle group ignores SIGTERM, and children inherit that.
    func stop() async {
        kill(process.processIdentifier, SIGKILL)
        _ = try? await offPool { [process] in process.waitUntilExit() }
    }
}

