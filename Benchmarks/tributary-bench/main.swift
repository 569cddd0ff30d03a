import FeedParse
import Foundation

// tributary-bench: figures for the parser (see the README's Development section).
//
//   tributary-bench parse-corpus DIR      parse every file in DIR/files.txt, and time a bare libxml2 pass
//   tributary-bench parse-each DIR        parse every file in DIR/files.txt once, no timing (for profilers and
//                                         instruction counts: `valgrind --tool=cachegrind --cache-sim=no`)
//   tributary-bench bare-each DIR         the bare libxml2 xmlTextReader pass alone over the same files (the
//                                         reference side of parse-corpus, for the same profilers)
//   tributary-bench parse FILE            print the normalized JSON of one file (parser-only build, for quick
//                                         conformance runs without the server's dependencies)
//   tributary-bench parse-count FILE      parse one file and print only the item and warning counts (peak memory
//                                         of the parser, without the JSON output)

/// The bytes of a file, read straight into an array (no `Data` copy kept alongside), or nil.
func readBytes(_ path: String) -> [UInt8]? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    guard fseek(file, 0, SEEK_END) == 0 else { return nil }
    let size = ftell(file)
    guard size >= 0, fseek(file, 0, SEEK_SET) == 0 else { return nil }
    var failed = false
    let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
        count = size == 0 ? 0 : fread(buffer.baseAddress, 1, size, file)
        failed = count != size
    }
    return failed ? nil : bytes
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: tributary-bench parse-corpus DIR | parse-each DIR | bare-each DIR | parse FILE | parse-count FILE\n".utf8))
    exit(2)
}
switch arguments[1] {
case "parse":
    guard let bytes = readBytes(arguments[2]) else {
        FileHandle.standardError.write(Data("cannot read \(arguments[2])\n".utf8))
        exit(1)
    }
    let url = URL(fileURLWithPath: arguments[2]).standardizedFileURL.absoluteString
    do {
        let feed = try FeedParser().parse(consume bytes, url: url)
        print(feed.normalizedJSON())
    } catch {
        FileHandle.standardError.write(Data("\(arguments[2]): \(error)\n".utf8))
        exit(1)
    }
case "parse-count":
    guard let bytes = readBytes(arguments[2]) else {
        FileHandle.standardError.write(Data("cannot read \(arguments[2])\n".utf8))
        exit(1)
    }
    do {
        let feed = try FeedParser().parse(consume bytes, url: nil)
        print("\(feed.items.count) items, \(feed.warnings.count) warnings")
    } catch {
        FileHandle.standardError.write(Data("\(arguments[2]): \(error)\n".utf8))
        exit(1)
    }
case "parse-corpus":
    CorpusBenchmark(directory: arguments[2]).run()
case "parse-each":
    CorpusBenchmark(directory: arguments[2]).parseEach()
case "bare-each":
    CorpusBenchmark(directory: arguments[2]).bareEach()
default:
    FileHandle.standardError.write(Data("unknown mode \(arguments[1])\n".utf8))
    exit(2)
}
