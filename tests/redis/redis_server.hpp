// Test support of tests/redis/: a redis-server process of each test's own (redis_server), a plain
// blocking hiredis client to set up and look inside it (raw_client), and the helpers the Redis
// store tests share. Needs APIAUTH_REDIS_SERVER (the redis-server program, set by CMake).
#ifndef APIAUTH_TESTS_REDIS_SERVER_HPP
#define APIAUTH_TESTS_REDIS_SERVER_HPP

#include <apiauth/error.hpp>
#include <apiauth/stores/redis.hpp>

#include <catch2/catch.hpp>
#include <hiredis/hiredis.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#ifndef APIAUTH_REDIS_SERVER
#error "define APIAUTH_REDIS_SERVER (the redis-server program; tests/redis/CMakeLists.txt does)"
#endif

namespace redis_test {

using apiauth::errc;
using apiauth::stores::redis_options;
using apiauth::stores::redis_pool;
using std::chrono::milliseconds;
using std::chrono::steady_clock;
using namespace std::chrono_literals;

// A port on 127.0.0.1 that nothing listens on now, chosen at random outside the kernel's
// ephemeral range (ip_local_port_range). The kernel never gives a port of its own choosing (a bind
// to port 0, a client's connect) from outside that range, so the port stays free until
// redis-server binds it, and again when the fault tests restart the server on the same port.
inline int free_loopback_port()
{
    int lo = 32768, hi = 60999;
    if (std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range"); !(range >> lo >> hi)) {
        lo = 32768;
        hi = 60999;
    }
    std::vector<int> outside;
    for (int p = 10000; p < 65536; ++p)
        if (p < lo || p > hi) outside.push_back(p);
    std::mt19937 pick{std::random_device{}()};
    for (int attempt = 0; attempt < 10000; ++attempt) {
        const int s = ::socket(AF_INET, SOCK_STREAM, 0);
        if (s < 0) throw std::runtime_error("socket");
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (!outside.empty())
            a.sin_port = htons(static_cast<std::uint16_t>(
                outside[std::uniform_int_distribution<std::size_t>(0, outside.size() - 1)(pick)]));
        socklen_t len = sizeof a;
        const bool bound = ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                           ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0;
        ::close(s);
        if (bound) return ntohs(a.sin_port);
    }
    throw std::runtime_error("no free port on 127.0.0.1");
}

inline std::string read_file(const std::filesystem::path& p)
{
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Blocking hiredis connection for setting up and looking inside the server.
class raw_client {
public:
    explicit raw_client(const redis_options& o)
    {
        const timeval tv{2, 0};
        c_ = o.unix_socket.empty() ? redisConnectWithTimeout(o.host.c_str(), o.port, tv)
                                   : redisConnectUnixWithTimeout(o.unix_socket.c_str(), tv);
        if (c_ == nullptr || c_->err != 0) {
            const std::string why = c_ ? c_->errstr : "out of memory";
            redisFree(c_);
            throw std::runtime_error("raw_client: " + why);
        }
        const timeval cmd{10, 0};
        redisSetTimeout(c_, cmd);
    }
    raw_client(const raw_client&) = delete;
    raw_client& operator=(const raw_client&) = delete;
    ~raw_client() { redisFree(c_); }

    apiauth::stores::detail::redis_reply operator()(std::initializer_list<std::string_view> args)
    {
        return argv(std::span<const std::string_view>(args.begin(), args.size()));
    }
    apiauth::stores::detail::redis_reply argv(std::span<const std::string_view> args)
    {
        std::vector<const char*> argv;
        std::vector<std::size_t> lengths;
        for (const std::string_view a : args) {
            argv.push_back(a.data());
            lengths.push_back(a.size());
        }
        auto* r =
            static_cast<redisReply*>(redisCommandArgv(c_, static_cast<int>(argv.size()), argv.data(), lengths.data()));
        if (r == nullptr) throw std::runtime_error(std::string("raw_client: ") + c_->errstr);
        return apiauth::stores::detail::redis_reply(r);
    }
    long long integer(std::initializer_list<std::string_view> args)
    {
        const auto r = (*this)(args);
        if (r->type != REDIS_REPLY_INTEGER) throw std::runtime_error("raw_client: not an integer reply");
        return r->integer;
    }
    std::string status(std::initializer_list<std::string_view> args)
    {
        const auto r = (*this)(args);
        return std::string(r->str ? r->str : "", r->str ? r->len : 0);
    }

private:
    redisContext* c_ = nullptr;
};

// One redis-server process of this test's own, in a fresh temporary directory, stopped
// (SIGKILL: there is nothing to save) and its directory removed when the object goes, whatever
// the test's outcome. PR_SET_PDEATHSIG kills it too if the test process dies first.
class redis_server {
public:
    enum class transport { unix_socket, tcp };

    explicit redis_server(transport t = transport::unix_socket, std::vector<std::string> extra = {})
        : transport_(t), extra_(std::move(extra))
    {
        char dir[] = "/tmp/apiauth-redis.XXXXXX";  // short: a socket path has at most 107 octets
        if (::mkdtemp(dir) == nullptr) throw std::runtime_error("mkdtemp");
        dir_ = dir;
        try {
            start(true);
        } catch (...) {
            std::error_code ec;
            std::filesystem::remove_all(dir_, ec);
            throw;
        }
    }
    redis_server(const redis_server&) = delete;
    redis_server& operator=(const redis_server&) = delete;
    ~redis_server()
    {
        stop();
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    /// SIGKILL: the server vanishes mid-run (no reply, no goodbye; the socket file stays).
    void kill_hard() { stop(); }
    /// A new server on the same socket path or port, empty (no persistence).
    void restart()
    {
        stop();
        start(false);
    }
    /// SIGSTOP: the server still accepts connections (the kernel does) but never answers.
    void pause() { ::kill(pid_, SIGSTOP); }
    /// SIGCONT.
    void resume() { ::kill(pid_, SIGCONT); }

    const std::filesystem::path& dir() const { return dir_; }
    std::string socket_path() const { return (dir_ / "redis.sock").string(); }

    /// Options reaching this server, with generous timeouts (a loaded machine must not fail a
    /// correctness test); fault tests set their own.
    redis_options options(milliseconds timeout = 5s) const
    {
        redis_options o;
        if (transport_ == transport::unix_socket) {
            o.unix_socket = socket_path();
        } else {
            o.host = "127.0.0.1";
            o.port = static_cast<std::uint16_t>(port_);
        }
        o.connect_timeout = o.command_timeout = o.acquire_timeout = timeout;
        return o;
    }

private:
    void start(bool may_change_port)
    {
        for (int attempt = 0;; ++attempt) {
            if (transport_ == transport::tcp && (port_ == 0 || (may_change_port && attempt > 0)))
                port_ = free_loopback_port();
            if (launch()) return;
            if (transport_ != transport::tcp || !may_change_port || attempt >= 4)
                throw std::runtime_error("redis-server did not start:\n" + read_file(dir_ / "redis.stderr") +
                                         read_file(dir_ / "redis.log"));
        }
    }

    // Starts the process and waits until it answers PING; false if it exited first.
    bool launch()
    {
        std::vector<std::string> args = {APIAUTH_REDIS_SERVER, "--port", std::to_string(port_)};
        if (transport_ == transport::tcp) {
            args.insert(args.end(), {"--bind", "127.0.0.1"});
        } else {
            args.insert(args.end(), {"--unixsocket", socket_path(), "--unixsocketperm", "700"});
        }
        args.insert(args.end(), {"--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", dir_.string(),
                                 "--logfile", (dir_ / "redis.log").string()});
        args.insert(args.end(), extra_.begin(), extra_.end());
        std::vector<char*> argv;
        for (std::string& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);

        const int err = ::open((dir_ / "redis.stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (err < 0) throw std::runtime_error("open redis.stderr");
        const pid_t parent = ::getpid();
        std::fflush(nullptr);
        const pid_t pid = ::fork();
        if (pid < 0) {
            ::close(err);
            throw std::runtime_error("fork");
        }
        if (pid == 0) {  // only async-signal-safe calls until exec
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != parent) ::_exit(126);
            ::dup2(err, 1);
            ::dup2(err, 2);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        ::close(err);
        pid_ = pid;

        const redis_options probe = options(200ms);
        const auto deadline = steady_clock::now() + 10s;
        while (steady_clock::now() < deadline) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return false;
            }
            try {
                raw_client c(probe);
                (void)c({"PING"});  // any reply will do: PONG, or NOAUTH with --requirepass
                return true;
            } catch (const std::runtime_error&) {
            }
            std::this_thread::sleep_for(10ms);
        }
        stop();
        throw std::runtime_error("redis-server did not answer PING within 10 s:\n" + read_file(dir_ / "redis.log"));
    }

    void stop() noexcept
    {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);  // also ends a stopped process
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        pid_ = -1;
    }

    transport transport_;
    std::vector<std::string> extra_;
    std::filesystem::path dir_;
    int port_ = 0;  // 0 with a Unix socket: no TCP listener
    pid_t pid_ = -1;
};

inline std::shared_ptr<redis_pool> make_pool(redis_options o)
{
    auto p = redis_pool::make(std::move(o));
    REQUIRE(p.has_value());
    return *p;
}

// The call failed closed (store_unavailable, never a value) within `bound`; returns its time.
template <class Call> milliseconds unavailable_within(Call&& call, milliseconds bound)
{
    const auto t0 = steady_clock::now();
    const auto r = call();
    const auto took = std::chrono::duration_cast<milliseconds>(steady_clock::now() - t0);
    CHECK_FALSE(r.has_value());
    if (!r.has_value()) CHECK(r.error() == errc::store_unavailable);
    CHECK(took < bound);
    return took;
}

}  // namespace redis_test

#endif  // APIAUTH_TESTS_REDIS_SERVER_HPP
