import Aggregator
import ArgumentParser
import Foundation
import Aggregator
import Hummingbird
import Prometheus
import TributaryServer

/// `tributary serve`: the HTTP server with its fetch scheduler.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the merged feeds over HTTP and keep fetching in the background.",
        discussion: """
            Listens on settings.listen. Stops cleanly on SIGINT or SIGTERM. SIGHUP reloads the configuration \
            file for the next fetch cycle; a file with errors is logged and the previous configuration kept.
            """)

    @OptionGroup var options: ConfigOptions

    @Option(help: "Seconds between scheduler checks for due sources.")
    var tick = 60

    func run() async throws {
        let configuration = try options.load()
        var logger = options.logger()
        logger.logLevel = min(logger.logLevel, .info)
        let registry = PrometheusCollectorRegistry()
        let aggregator: Aggregator
        do {
            aggregator = try Aggregator(
                configuration: configuration, logger: logger,
                metrics: PipelineMetrics(factory: PrometheusMetricsFactory(registry: registry)))
        } catch {
            Diagnostics.error("\(error)")
            throw ExitCode(ExitCodes.storeError)
        }
        let app = TributaryServer.application(
            aggregator: aggregator, logger: logger, tick: .seconds(max(1, tick)), registry: registry,
            configurationPath: options.config)
        try await app.runService()
    }
}
