#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension PcapHandle {
    /// After opening live captures as root, become `user` for good: supplementary groups (`initgroups`), then
    /// `setgid`, then `setuid`, then check that root cannot be regained. Does nothing when not running as root.
    public static func dropPrivileges(toUser user: String) throws(CaptureError) {
        guard getuid() == 0 || geteuid() == 0 else { return }
        let (uid, gid) = try userIDs(user)
        guard uid != 0 else { throw .privilegeDropFailed("\(user) is root") }
        guard initgroups(user, gid) == 0 else {
            throw .privilegeDropFailed("initgroups(\(user)): " + MappedFile.errorText(errno))
        }
        guard setgid(gid) == 0 else { throw .privilegeDropFailed("setgid(\(gid)): " + MappedFile.errorText(errno)) }
        guard setuid(uid) == 0 else { throw .privilegeDropFailed("setuid(\(uid)): " + MappedFile.errorText(errno)) }
        guard getuid() == uid, geteuid() == uid, getgid() == gid, getegid() == gid else {
            throw .privilegeDropFailed("ids after the change are not those of \(user)")
        }
        guard setuid(0) != 0, seteuid(0) != 0 else {
            throw .privilegeDropFailed("root could be regained after setuid(\(uid))")
        }
    }

    /// The user and group ids of `user` (getpwnam_r).
    public static func userIDs(_ user: String) throws(CaptureError) -> (uid: uid_t, gid: gid_t) {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16 * 1024)
        let status = getpwnam_r(user, &entry, &buffer, buffer.count, &result)
        guard status == 0 else { throw .privilegeDropFailed("looking up \(user): " + MappedFile.errorText(status)) }
        guard result != nil else { throw .unknownUser(user) }
        return (entry.pw_uid, entry.pw_gid)
    }
}
