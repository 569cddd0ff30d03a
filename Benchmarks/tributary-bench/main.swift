import FeedParse
import Foundation

// tributary-bench: figures for the parser (see Benchmarks/README.md).
//
//   tributary-bench parse-corpus DIR      parse every file in DIR/files.txt, and time a bare libxml2 pass
//   tributary-bench parse FILE            print the normalized JSON of one file (parser-only build, for quick
//                                         conformance runs without the server's dependencies)

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: tributary-bench parse-corpus DIR | parse FILE\n".utf8))
    exit(2)
}
switch arguments[1] {
case "parse":
    guard let data = FileManager.default.contents(atPath: arguments[2]) else {
        FileHandle.standardError.write(Data("cannot read \(arguments[2])\n".utf8))
        exit(1)
    }
    let url = URL(fileURLWithPath: arguments[2]).standardizedFileURL.absoluteString
    do {
        let feed = try FeedParser().parse([UInt8](data), url: url)
        print(feed.normalizedJSON())
    } catch {
        FileHandle.standardError.write(Data("\(arguments[2]): \(error)\n".utf8))
        exit(1)
    }
case "parse-corpus":
    CorpusBenchmark(directory: arguments[2]).run()
default:
    FileHandle.standardError.write(Data("unknown mode \(arguments[1])\n".utf8))
    exit(2)
}
