// A private PostgreSQL 15 server for one test: `initdb` into a fresh temporary directory, then
// `postgres` started directly as a child of the test (Unix socket only, in that directory),
// stopped and its directory removed when the object goes, pass or fail (RAII). Fault tests use
// pause()/resume() (SIGSTOP/SIGCONT: the server hangs), kill_hard() (SIGKILL: it vanishes) and
// restart() (SIGKILL, then a new postmaster on the same data directory: crash recovery, committed
// data kept). Modelled on redis_server in tests/redis/redis_store_test.cpp. Needs the Debian
// packages postgresql-15 (binaries in APIAUTH_PG_BINDIR) and libpq-dev; link with -lpq.
//
// PostgreSQL refuses to run as root: when the test runs as root, initdb and postgres run as the
// `postgres` system user and the temporary directory is given to that user.
//
// Every child of the postmaster calls setsid() (PostgreSQL's InitPostmasterChild), so a signal
// to the postmaster's process group does not reach the backends: pause(), resume() and
// kill_hard() signal the postmaster and, found through /proc, each of its children.
//
// If the test process dies, PR_SET_PDEATHSIG kills the postmaster and its backends then notice
// its death and exit; only a server that was paused at that moment stays behind (stopped).
#ifndef APIAUTH_TESTS_SUPPORT_PG_SERVER_HPP
#define APIAUTH_TESTS_SUPPORT_PG_SERVER_HPP

#include <libpq-fe.h>

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#ifndef APIAUTH_PG_BINDIR
#define APIAUTH_PG_BINDIR "/usr/lib/postgresql/15/bin"
#endif

namespace apiauth::test {

namespace pg_detail {

inline std::string read_text(const std::filesystem::path& p)
{
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The last `max` octets of a log: enough to see why, short enough for a test report.
inline std::string log_tail(const std::filesystem::path& p, std::size_t max = 8192)
{
    std::string s = read_text(p);
    if (s.size() > max) s = "[...]\n" + s.substr(s.size() - max);
    return s;
}

// /proc/<pid>/stat: "pid (comm) state ppid ...", comm may hold spaces and parentheses.
// Returns false if the process is gone.
inline bool proc_stat(pid_t pid, char& state, pid_t& ppid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(in, line)) return false;
    const auto close = line.rfind(')');
    if (close == std::string::npos) return false;
    std::istringstream rest(line.substr(close + 1));
    long parent = 0;
    if (!(rest >> state >> parent)) return false;
    ppid = static_cast<pid_t>(parent);
    return true;
}

// The processes whose parent is `parent` now.
inline std::vector<pid_t> children_of(pid_t parent)
{
    std::vector<pid_t> out;
    DIR* d = ::opendir("/proc");
    if (d == nullptr) return out;
    while (const dirent* e = ::readdir(d)) {
        char* end = nullptr;
        const long n = std::strtol(e->d_name, &end, 10);
        if (end == e->d_name || *end != '\0' || n <= 0) continue;
        char state = 0;
        pid_t ppid = 0;
        if (proc_stat(static_cast<pid_t>(n), state, ppid) && ppid == parent) out.push_back(static_cast<pid_t>(n));
    }
    ::closedir(d);
    return out;
}

// A process and the process group it leads, if it has made one (each postmaster child has).
inline void signal_process_and_group(pid_t pid, int sig) noexcept
{
    ::kill(pid, sig);
    ::kill(-pid, sig);
}

// "exit code 1", "signal 9": a waitpid status for a message.
inline std::string describe_status(int status)
{
    if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
    return "status " + std::to_string(status);
}

struct conn_deleter {
    void operator()(PGconn* c) const noexcept { PQfinish(c); }
};
struct result_deleter {
    void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using conn_ptr = std::unique_ptr<PGconn, conn_deleter>;
using result_ptr = std::unique_ptr<PGresult, result_deleter>;

}  // namespace pg_detail

class pg_server {
public:
    static constexpr int default_port = 54321;  // the socket directory is private: no clash

    explicit pg_server(int port = default_port) : port_(port)
    {
        if (::geteuid() == 0) {  // looked up before any fork: getpwnam is not async-signal-safe
            const passwd* pw = ::getpwnam("postgres");
            if (pw == nullptr)
                throw std::runtime_error(
                    "pg_server: running as root, and PostgreSQL refuses to run as root, but there is no "
                    "'postgres' system user to run it as (install the postgresql package, or run the tests "
                    "as an ordinary user)");
            drop_ = true;
            uid_ = pw->pw_uid;
            gid_ = pw->pw_gid;
        }
        char dir[] = "/tmp/apiauth-pg.XXXXXX";  // short: a socket path has at most 107 octets
        if (::mkdtemp(dir) == nullptr) throw std::runtime_error("pg_server: mkdtemp /tmp/apiauth-pg.XXXXXX failed");
        dir_ = dir;
        try {
            if (drop_ && ::chown(dir, uid_, gid_) != 0)
                throw std::runtime_error("pg_server: chown " + dir_.string() + " to postgres failed");
            initdb();
            start();
        } catch (...) {
            kill_hard();
            std::error_code ec;
            std::filesystem::remove_all(dir_, ec);
            throw;
        }
    }
    pg_server(const pg_server&) = delete;
    pg_server& operator=(const pg_server&) = delete;
    ~pg_server()
    {
        shutdown(SIGQUIT, std::chrono::seconds(5));  // immediate shutdown: nothing to keep; noexcept
        kill_hard();
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    /// libpq connection string for this server's superuser `apiauth` and database `postgres`.
    std::string conninfo() const
    {
        return "host=" + socket_dir() + " port=" + std::to_string(port_) +
               " user=apiauth dbname=postgres connect_timeout=5";
    }
    /// The directory holding the socket .s.PGSQL.<port> (and the logs, and data/).
    std::string socket_dir() const { return dir_.string(); }
    int port() const { return port_; }
    std::filesystem::path data_dir() const { return dir_ / "data"; }
    /// The postmaster's pid, -1 when no server runs.
    pid_t pid() const { return pid_; }
    /// What the server wrote to stderr, every start appended.
    std::string log() const { return pg_detail::read_text(dir_ / "postgres.log"); }

    /// SIGSTOP the postmaster and every child of it: the kernel still accepts connections on the
    /// socket, but nothing answers, neither new connections nor open ones.
    void pause()
    {
        if (pid_ <= 0 || paused_) return;
        if (!stop_postmaster()) return;  // it had exited
        paused_ = true;
        const auto kids = pg_detail::children_of(pid_);
        for (const pid_t k : kids) pg_detail::signal_process_and_group(k, SIGSTOP);
        // Return once they are stopped (or gone), so that a test does not race them.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        for (const pid_t k : kids) {
            char state = 0;
            pid_t ppid = 0;
            while (pg_detail::proc_stat(k, state, ppid) && state != 'T' && state != 't' && state != 'Z' &&
                   std::chrono::steady_clock::now() < deadline)
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }
    /// SIGCONT to the children, then to the postmaster.
    void resume()
    {
        if (pid_ <= 0 || !paused_) return;
        for (const pid_t k : pg_detail::children_of(pid_)) pg_detail::signal_process_and_group(k, SIGCONT);
        ::kill(-pid_, SIGCONT);
        ::kill(pid_, SIGCONT);
        paused_ = false;
    }
    /// SIGKILL the postmaster and every child of it, and reap them: the server vanishes mid-run
    /// (no goodbye to clients; socket and postmaster.pid stay; the data needs crash recovery).
    void kill_hard() noexcept
    {
        if (pid_ <= 0) return;
        const pid_t pm = pid_;
        // Stopped first, so that it forks no child between the look at /proc and the SIGKILL.
        if (!paused_ && !stop_postmaster()) {
            remove_zombie_shmem(pm);
            return;
        }
        std::vector<pid_t> kids;
        try {
            kids = pg_detail::children_of(pm);
        } catch (...) {  // out of memory: the postmaster at least goes
        }
        // The children outlive the postmaster by a moment, and an init that does not reap (as in
        // some containers) would leave them as zombies: become their reaper for that moment.
        int was_subreaper = 0;
        ::prctl(PR_GET_CHILD_SUBREAPER, &was_subreaper);
        ::prctl(PR_SET_CHILD_SUBREAPER, 1);
        for (const pid_t k : kids) pg_detail::signal_process_and_group(k, SIGKILL);
        ::kill(-pm, SIGKILL);
        ::kill(pm, SIGKILL);
        reap(pm);
        pid_ = -1;
        paused_ = false;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        for (const pid_t k : kids) {
            for (;;) {
                int status = 0;
                const pid_t r = ::waitpid(k, &status, WNOHANG);
                if (r == k || (r < 0 && errno != EINTR)) break;  // reaped, or not ours (its parent reaped it)
                if (std::chrono::steady_clock::now() >= deadline) break;
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
        }
        ::prctl(PR_SET_CHILD_SUBREAPER, was_subreaper);
        remove_zombie_shmem(pm);
    }
    /// kill_hard(), then a new postmaster on the same data directory and socket: PostgreSQL runs
    /// crash recovery, committed data is there. Returns once it accepts connections.
    void restart()
    {
        kill_hard();
        start();
    }
    /// Fast shutdown (SIGINT: clients disconnected, a shutdown checkpoint); SIGKILL after 10 s.
    /// restart() starts it again.
    void stop() { shutdown(SIGINT, std::chrono::seconds(10)); }

    /// Runs SQL (one or more statements) on a new blocking connection; throws with the server's
    /// message on failure.
    void exec(std::string_view sql) const { (void)run(sql); }
    /// The first column of the first row as text; "" when there is no row (or it is NULL).
    std::string query_value(std::string_view sql) const
    {
        const auto r = run(sql);
        if (PQresultStatus(r.get()) != PGRES_TUPLES_OK || PQntuples(r.get()) < 1 || PQnfields(r.get()) < 1 ||
            PQgetisnull(r.get(), 0, 0))
            return "";
        return {PQgetvalue(r.get(), 0, 0), static_cast<std::size_t>(PQgetlength(r.get(), 0, 0))};
    }

private:
    static std::string bin(const char* name) { return std::string(APIAUTH_PG_BINDIR) + "/" + name; }

    pg_detail::result_ptr run(std::string_view sql) const
    {
        pg_detail::conn_ptr c{PQconnectdb(conninfo().c_str())};
        if (c == nullptr) throw std::runtime_error("pg_server: PQconnectdb: out of memory");
        if (PQstatus(c.get()) != CONNECTION_OK)
            throw std::runtime_error("pg_server: connect: " + std::string(PQerrorMessage(c.get())));
        const std::string text(sql);  // PQexec wants a terminated string
        pg_detail::result_ptr r{PQexec(c.get(), text.c_str())};
        const ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY)
            throw std::runtime_error("pg_server: " + std::string(PQerrorMessage(c.get())) + "  in: " + text);
        return r;
    }

    // fork + exec `args` with stdout and stderr to `log` (appended or truncated), stdin from
    // /dev/null, in a process group of its own, as `postgres` when we are root.
    pid_t spawn(std::vector<std::string> args, const std::filesystem::path& log_path, bool append)
    {
        std::vector<char*> argv;
        for (std::string& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        // A clean, fixed environment: no PGDATA/PGOPTIONS/LANG of the caller's.
        std::string env_path = "PATH=/usr/bin:/bin", env_lc = "LC_ALL=C", env_tz = "TZ=UTC";
        char* envp[] = {env_path.data(), env_lc.data(), env_tz.data(), nullptr};
        const std::string cwd = dir_.string();

        const int out = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0600);
        if (out < 0) throw std::runtime_error("pg_server: open " + log_path.string());
        const int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (in < 0) {
            ::close(out);
            throw std::runtime_error("pg_server: open /dev/null");
        }
        const bool drop = drop_;
        const uid_t uid = uid_;
        const gid_t gid = gid_;
        const pid_t parent = ::getpid();
        std::fflush(nullptr);
        const pid_t pid = ::fork();
        if (pid < 0) {
            ::close(out);
            ::close(in);
            throw std::runtime_error("pg_server: fork");
        }
        if (pid == 0) {  // only async-signal-safe calls until exec
            ::setpgid(0, 0);
            // Default dispositions and an empty mask, whatever the test runner (or a shell that
            // ignores SIGINT/SIGQUIT for background jobs) left.
            for (int s = 1; s < 32; ++s)
                if (s != SIGKILL && s != SIGSTOP) ::signal(s, SIG_DFL);
            sigset_t none;
            ::sigemptyset(&none);
            ::sigprocmask(SIG_SETMASK, &none, nullptr);
            ::dup2(in, 0);
            ::dup2(out, 1);
            ::dup2(out, 2);
            if (drop && (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0)) {
                static const char msg[] = "pg_server: could not become the postgres user\n";
                (void)!::write(2, msg, sizeof msg - 1);
                ::_exit(125);
            }
            // After setuid: a change of credentials clears the parent-death signal.
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != parent) ::_exit(126);
            if (::chdir(cwd.c_str()) != 0) ::_exit(126);
            ::execve(argv[0], argv.data(), envp);
            static const char msg[] = "pg_server: exec failed\n";
            (void)!::write(2, msg, sizeof msg - 1);
            ::_exit(127);
        }
        ::setpgid(pid, pid);  // from this side too: no moment in which it is still in our group
        ::close(out);
        ::close(in);
        return pid;
    }

    void initdb()
    {
        using namespace std::chrono_literals;
        const auto log_path = dir_ / "initdb.log";
        const pid_t pid = spawn({bin("initdb"), "-D", data_dir().string(), "-U", "apiauth", "--auth=trust", "-E",
                                 "UTF8", "--no-sync", "--locale=C"},
                                log_path, false);
        const auto deadline = std::chrono::steady_clock::now() + 120s;
        int status = 0;
        for (;;) {
            const pid_t r = ::waitpid(pid, &status, WNOHANG);
            if (r == pid) break;
            if (r < 0 && errno != EINTR) throw std::runtime_error("pg_server: waitpid initdb");
            if (std::chrono::steady_clock::now() >= deadline) {
                ::kill(-pid, SIGKILL);
                ::kill(pid, SIGKILL);
                reap(pid);
                throw std::runtime_error("pg_server: initdb did not finish within 120 s:\n" +
                                         pg_detail::log_tail(log_path));
            }
            std::this_thread::sleep_for(5ms);
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            throw std::runtime_error("pg_server: initdb failed (" + pg_detail::describe_status(status) + "):\n" +
                                     pg_detail::log_tail(log_path));
    }

    // Starts the postmaster and returns once it accepts connections (PQping), or throws.
    void start()
    {
        using namespace std::chrono_literals;
        const auto log_path = dir_ / "postgres.log";
        const std::string port = std::to_string(port_);
        // fsync=off: an OS crash could lose data; a killed process cannot.
        // Not synchronous_commit=off: a commit would then return before its WAL left shared
        // memory, and kill_hard() would lose it (seen here: 8 of 50 committed rows gone). With
        // fsync=off a synchronous commit costs one write() to the page cache.
        // dynamic_shared_memory_type=mmap: in data/pg_dynshmem, gone with the directory even
        // after a SIGKILL (posix, the default, leaves files in /dev/shm).
        pid_ = spawn({bin("postgres"), "-D", data_dir().string(), "-k", socket_dir(), "-p", port, "-c",
                      "listen_addresses=", "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "max_connections=100",
                      "-c", "shared_buffers=16MB", "-c", "dynamic_shared_memory_type=mmap"},
                     log_path, true);
        paused_ = false;
        const std::string info = conninfo();
        const auto deadline = std::chrono::steady_clock::now() + 30s;
        while (std::chrono::steady_clock::now() < deadline) {
            int status = 0;
            const pid_t r = ::waitpid(pid_, &status, WNOHANG);
            if (r == pid_) {
                const pid_t pm = pid_;
                pid_ = -1;
                remove_zombie_shmem(pm);
                throw std::runtime_error("pg_server: postgres exited while starting (" +
                                         pg_detail::describe_status(status) + "):\n" + pg_detail::log_tail(log_path));
            }
            if (PQping(info.c_str()) == PQPING_OK) return;
            std::this_thread::sleep_for(10ms);
        }
        kill_hard();
        throw std::runtime_error("pg_server: postgres did not accept connections within 30 s:\n" +
                                 pg_detail::log_tail(log_path));
    }

    // Asks the postmaster to shut down (SIGINT fast, SIGQUIT immediate); SIGKILL after `grace`.
    void shutdown(int sig, std::chrono::milliseconds grace) noexcept
    {
        if (pid_ <= 0) return;
        if (paused_) {
            try {
                resume();
            } catch (...) {  // children_of allocates
                kill_hard();
                return;
            }
        }
        ::kill(pid_, sig);
        const auto deadline = std::chrono::steady_clock::now() + grace;
        while (std::chrono::steady_clock::now() < deadline) {
            int status = 0;
            const pid_t r = ::waitpid(pid_, &status, WNOHANG);
            if (r == pid_ || (r < 0 && errno != EINTR)) {  // it removed its shared memory itself
                pid_ = -1;
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        kill_hard();
    }

    // SIGSTOP to the postmaster, and wait until it has stopped (so that it forks no more).
    // False if it had exited instead (then reaped, pid_ = -1).
    bool stop_postmaster() noexcept
    {
        ::kill(-pid_, SIGSTOP);
        ::kill(pid_, SIGSTOP);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        for (;;) {
            int status = 0;
            const pid_t r = ::waitpid(pid_, &status, WNOHANG | WUNTRACED);
            if (r == pid_ && WIFSTOPPED(status)) return true;
            if ((r == pid_ && (WIFEXITED(status) || WIFSIGNALED(status))) || (r < 0 && errno == ECHILD)) {
                pid_ = -1;
                paused_ = false;
                return false;
            }
            if (std::chrono::steady_clock::now() >= deadline) return true;  // in D state: SIGKILL it anyway
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }

    static void reap(pid_t pid) noexcept
    {
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
    }

    // A postmaster killed with SIGKILL leaves its small System V segment behind (PostgreSQL
    // removes a stale one at the next start on the same data directory, but the destructor
    // does not start one). Line 7 of postmaster.pid holds its key and id; removed only if that
    // postmaster made it and nothing is attached.
    void remove_zombie_shmem(pid_t postmaster) const noexcept
    {
        try {
            std::ifstream in(data_dir() / "postmaster.pid");
            std::string line;
            for (int i = 0; i < 7 && std::getline(in, line); ++i) {
            }
            std::istringstream fields(line);
            unsigned long key = 0, id = 0;
            if (!(fields >> key >> id)) return;
            shmid_ds ds{};
            const int shmid = static_cast<int>(id);
            if (::shmctl(shmid, IPC_STAT, &ds) == 0 && ds.shm_cpid == postmaster && ds.shm_nattch == 0)
                ::shmctl(shmid, IPC_RMID, nullptr);
        } catch (...) {
        }
    }

    int port_;
    std::filesystem::path dir_;
    bool drop_ = false;  // run the children as `postgres` (we are root)
    uid_t uid_ = 0;
    gid_t gid_ = 0;
    pid_t pid_ = -1;  // the postmaster
    bool paused_ = false;
};

}  // namespace apiauth::test

#endif
