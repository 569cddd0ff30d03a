import GRDB
import GRDBSQLite

/// Runs a cached GRDB statement through SQLite's C API: the arguments are bound one by one with
/// `sqlite3_bind_*` and the statement is stepped once.
///
/// For the statements run once per new article. GRDB's `execute(arguments:)` boxes every argument in
/// a `DatabaseValue` and binds them through a chain of nested closures, one per argument: on the
/// 18-column article insert that was a third of the insert's time (perf, `tributary-store-bench`).
///
/// Text is bound with `SQLITE_TRANSIENT` (SQLite copies it at once), so no Swift string needs to
/// outlive its `bind` call. Errors are GRDB's `DatabaseError`, with SQLite's result code and message,
/// as `execute` would throw them.
struct DirectStatement {
    private let statement: Statement
    private let handle: SQLiteStatement
    private var index: CInt = 0

    /// Takes `statement` (from `Database.cachedStatement`) and clears what its last run left.
    init(_ statement: Statement) {
        self.statement = statement
        handle = statement.sqliteStatement
        sqlite3_reset(handle)
    }

    /// Binds the next argument.
    mutating func bind(_ value: String?) {
        index += 1
        guard let value else {
            sqlite3_bind_null(handle, index)
            return
        }
        if value.utf8.withContiguousStorageIfAvailable({ bindText($0) }) == nil {
            Array(value.utf8).withUnsafeBufferPointer { bindText($0) }
        }
    }

    private func bindText(_ text: UnsafeBufferPointer<UInt8>) {
        // An empty buffer may have no address; SQLite takes any pointer with a length of 0.
        let start = UnsafeRawPointer(text.baseAddress ?? UnsafePointer(bitPattern: 1)!).assumingMemoryBound(to: CChar.self)
        sqlite3_bind_text(handle, index, start, CInt(text.count), Self.transient)
    }

    /// Binds the next argument.
    mutating func bind(_ value: Int64?) {
        index += 1
        if let value { sqlite3_bind_int64(handle, index, value) } else { sqlite3_bind_null(handle, index) }
    }

    /// Binds the next argument.
    mutating func bind(_ value: Double?) {
        index += 1
        if let value { sqlite3_bind_double(handle, index, value) } else { sqlite3_bind_null(handle, index) }
    }

    /// Binds the next argument (0 or 1).
    mutating func bind(_ value: Bool) {
        bind(Int64(value ? 1 : 0))
    }

    /// Runs the statement to completion.
    ///
    /// - Throws: `DatabaseError` when SQLite reports an error (a constraint, a full disk).
    func run(_ db: Database) throws {
        precondition(index == sqlite3_bind_parameter_count(handle), "DirectStatement: \(index) arguments bound, the statement has \(sqlite3_bind_parameter_count(handle))")
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else {
            let message = db.sqliteConnection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
            sqlite3_reset(handle)
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
        }
        sqlite3_reset(handle)
    }

    /// `SQLITE_TRANSIENT`: SQLite makes its own copy of the text before `sqlite3_bind_text` returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}
