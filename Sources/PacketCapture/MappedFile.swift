#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only. The mapping lives as long as the object; views into it must not outlive it.
final class MappedFile {
    let path: String
    /// The mapped bytes; `nil` for an empty file (nothing to map).
    let base: UnsafeRawPointer?
    let count: Int

    init(path: String) throws(CaptureError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw .fileNotFound(path: path) }
            throw .unreadable(path: path, reason: Self.errorText(code))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .unreadable(path: path, reason: Self.errorText(errno)) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw .unreadable(path: path, reason: (info.st_mode & S_IFMT) == S_IFDIR ? "is a directory" : "not a regular file")
        }
        let size = Int(info.st_size)
        guard size > 0 else {
            self.base = nil
            self.count = 0
            return
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), address != MAP_FAILED else {
            throw .unreadable(path: path, reason: "mmap: " + Self.errorText(errno))
        }
        self.base = UnsafeRawPointer(address)
        self.count = size
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), count) }
    }

    /// The mapping before this offset has been given back: pages already read would otherwise stay in the
    /// process's resident set, and reading a 1 GB capture would count as 1 GB of RSS.
    private var releasedUpTo = 0
    static let releaseStep = 16 << 20

    /// Gives back (`MADV_DONTNEED`) the whole 16 MiB steps before `offset`, once nothing there is needed any more.
    /// Reading there again stays correct (the pages come back from the file), only slower.
    func releaseConsumed(upTo offset: Int) {
        guard let base, offset - releasedUpTo >= Self.releaseStep else { return }
        let end = min(offset, count) - min(offset, count) % Self.releaseStep
        guard end > releasedUpTo else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + releasedUpTo), end - releasedUpTo, MADV_DONTNEED)
        releasedUpTo = end
    }

    /// Up to `limit` bytes from the start, for format detection and error messages.
    func prefix(_ limit: Int) -> [UInt8] {
        guard let base else { return [] }
        return Array(UnsafeRawBufferPointer(start: base, count: min(limit, count)))
    }

    static func errorText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }
}
