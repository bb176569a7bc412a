// examples/common/private_file.hpp — writing a file only its owner may read, whole or not at all,
// for the example programs (the apiauth CLI, demo_api, login_site): keys, peppers, user files.
#ifndef APIAUTH_EXAMPLES_COMMON_PRIVATE_FILE_HPP
#define APIAUTH_EXAMPLES_COMMON_PRIVATE_FILE_HPP

#include <cerrno>
#include <string>
#include <string_view>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace apiauth_examples {

/** Writes `text` to `path` with mode 0600; 0, or the errno of the step that failed (EEXIST: `path`
    exists and `replace` is false).

    The text goes to a new temporary file beside `path` (mkstemp: O_CREAT|O_EXCL, mode 0600, so
    neither a file nor a symbolic link planted under a predictable name is reused or followed),
    made 0600 again with fchmod whatever the umask, synced, then moved into place: by rename when
    replacing (atomic: the old file stays whole until then), by link otherwise (which fails if
    `path` appeared meanwhile). The directory is synced after a rename so that it is durable. On
    any failure the temporary is removed and `path` is left as it was. */
inline int write_private_file(const std::string& path, std::string_view text, bool replace) noexcept
{
    std::string tmp;
    try {
        tmp = path + ".XXXXXX";
    } catch (...) {
        return ENOMEM;
    }
    const int fd = ::mkstemp(tmp.data());
    if (fd < 0) return errno;
    int err = 0;
    if (::fchmod(fd, 0600) != 0) err = errno;
    for (std::size_t done = 0; err == 0 && done < text.size();) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0)
            err = n < 0 ? errno : EIO;
        else
            done += static_cast<std::size_t>(n);
    }
    if (err == 0 && ::fsync(fd) != 0) err = errno;
    if (::close(fd) != 0 && err == 0) err = errno;
    if (err == 0) {
        if (replace) {
            if (::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
        } else if (::link(tmp.c_str(), path.c_str()) != 0) {
            err = errno;
        }
    }
    if (err != 0 || !replace) ::unlink(tmp.c_str());  // after a failure, or after link
    if (err == 0 && replace) {
        const std::size_t slash = path.rfind('/');
        const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
        if (const int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); d >= 0) {
            (void)::fsync(d);
            ::close(d);
        }
    }
    return err;
}

}  // namespace apiauth_examples

#endif  // APIAUTH_EXAMPLES_COMMON_PRIVATE_FILE_HPP
