// accounts.hpp — the login site's own accounts: scrypt password records, the users file, and the
// limiter of failed sign-ins. No HTTP here: login_site.cpp serves them (README.md beside it).
//
// The ID Site protocol (research/stormpath-protocol.md §1-§2) says nothing of how the login site
// keeps its accounts: Stormpath kept them in its own directory service. This example keeps them
// in one JSON file, read at start and rewritten whole, atomically, when someone registers.
#ifndef APIAUTH_EXAMPLES_LOGIN_SITE_ACCOUNTS_HPP
#define APIAUTH_EXAMPLES_LOGIN_SITE_ACCOUNTS_HPP

#include <array>
#include <chrono>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <string_view>

namespace login_site {

/// A problem with the users file or with an account given on the command line; the message
/// says what and where, for a person.
class account_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// scrypt's cost parameters (RFC 7914 §2): N = 2^log_n, block size r, parallelism p.
struct scrypt_params {
    int log_n = 15;  ///< 32 MiB and about 0.1 s per hash with r = 8 (OWASP's minimum is 2^17 with r 8)
    int r = 8;
    int p = 1;
    friend bool operator==(const scrypt_params&, const scrypt_params&) = default;
    friend auto operator<=>(const scrypt_params&, const scrypt_params&) = default;
};
inline constexpr int min_log_n = 10;  ///< the --scrypt-log-n range, and what a users file may hold
inline constexpr int max_log_n = 20;  ///< 1 GiB with r 8: the most memory one hash may take

/// A password as it is kept: scrypt(password, salt) with the parameters it was made with.
struct password_record {
    scrypt_params params;
    std::array<unsigned char, 16> salt{};  ///< random, per record
    std::array<unsigned char, 32> hash{};  ///< the derived key
};

/** Hash `password` with a fresh 16-byte random salt (OpenSSL 3 EVP_PBE_scrypt, RFC 7914).
    Throws account_error when the random generator or scrypt fails. */
password_record hash_password(std::string_view password, const scrypt_params& params);

/** True when `password` derives `record.hash` under the record's own salt and parameters;
    the 32 bytes are compared in constant time (CRYPTO_memcmp). A password longer than
    max_password is refused without hashing. Never throws (a failing scrypt is a mismatch). */
bool verify_password(std::string_view password, const password_record& record) noexcept;

inline constexpr std::size_t min_password = 8;     ///< octets
inline constexpr std::size_t max_password = 1024;  ///< octets
inline constexpr std::size_t max_username = 64;
inline constexpr std::size_t max_name = 128;   ///< octets of UTF-8
inline constexpr std::size_t max_email = 254;  ///< RFC 5321 §4.5.3.1.3 (path less its brackets)

/** The stored form of a username: 1-64 characters of [A-Za-z0-9._@-], in lower case (usernames
    are unique without regard to case); nullopt for anything else. */
std::optional<std::string> normalize_username(std::string_view username);

/** Why a new account's fields cannot be kept (a sentence for the person registering), or
    nullopt when they can: the username's syntax, the password's length (8-1024 octets), a name
    of at most 128 octets of UTF-8 without control characters, an e-mail address (optional) with
    one '@' between non-empty parts, no space or control character, at most 254 octets. */
std::optional<std::string> check_new_account(std::string_view username, std::string_view password,
                                             std::string_view name, std::string_view email);

/// One account. Immutable once stored (the store hands out shared pointers).
struct account {
    std::string username;  ///< normalized (lower case)
    std::string name;
    std::string email;
    std::string href;  ///< `<issuer>/accounts/<random id>`: the `sub` of every answer about it
    password_record password;
};

/** The accounts of the users file, in memory, and the file kept equal to them.

    The file: `{"users":[{"username","name","email","href","password":{"kdf":"scrypt","log_n",
    "r","p","salt","hash"}}]}`, salt and hash in base64 (RFC 4648 §4). It is rewritten whole on
    each change: a temporary file in the same directory, mode 0600, written, fsync'ed, renamed
    over the old one, and the directory fsync'ed, so that a crash leaves the old file or the new
    one, never a mix. One process owns the file: `add-user` while `serve` runs on the same
    file is lost at the server's next write.

    Thread-safety: find and size may run on many threads while one add or assign_hrefs runs;
    writers are serialized, and readers never wait for the disk (the file is written before the
    map is changed, under a lock of its own). */
class account_store {
public:
    /** The accounts of `path`; none when the file does not exist (it is created at the first
        write). account_error for a file that cannot be read, is not JSON, or holds an account
        that is not valid (its message names the file and the entry). */
    explicit account_store(std::string path);

    /// The account with this normalized username, or a null pointer.
    std::shared_ptr<const account> find(std::string_view username) const;
    /// How many accounts there are.
    std::size_t size() const;
    /// Whether the file existed when the store was loaded or has been written since.
    bool file_exists() const;

    enum class add_outcome { added, taken, full };
    /** Keep `a` (its username normalized): taken when the username is, full at max_accounts;
        the file is written first, and an account_error (file not written) leaves nothing
        changed. */
    add_outcome add(account a);

    /** Give every account that has no href one under `issuer` (`<issuer>/accounts/<22
        base64url characters of 128 random bits>`), and write the file if any was given or
        the file does not exist yet. Accounts made by `add-user` get theirs here, from the
        first server that loads them; they keep it from then on. Returns how many. */
    std::size_t assign_hrefs(std::string_view issuer);

    /** Replace the password record of the account `username` (normalized) with `record`: the
        same password hashed again under the server's current parameters after a sign-in. The
        file is written first; false when there is no such account (any more), account_error
        (nothing changed) when the file cannot be written. */
    bool update_password(std::string_view username, const password_record& record);

    /** The scrypt parameters most accounts have (ties: the larger), or `fallback` when there are
        no accounts: what the sign-in of an unknown username is made to cost, so that its time
        matches a typical account's. */
    scrypt_params common_params(const scrypt_params& fallback) const;

    /// The most accounts a store keeps (registration beyond it is refused).
    static constexpr std::size_t max_accounts = 100000;

private:
    using account_map = std::map<std::string, std::shared_ptr<const account>, std::less<>>;
    void write(const account_map& accounts);  // with writer_ held

    void count(const account_map& accounts);  // param_counts_ from `accounts`, with data_ held

    std::string path_;
    bool exists_ = false;
    std::map<scrypt_params, std::size_t> param_counts_;  // how many accounts have each (under data_)
    std::mutex writer_;                                  // one writer at a time: add, assign_hrefs
    mutable std::shared_mutex data_;                     // the map
    account_map accounts_;
};

/// `<issuer>/accounts/<random id>` (issuer without trailing '/').
std::string new_account_href(std::string_view issuer);

/** Counts failed sign-ins in a sliding window, per username and per client address, and says
    when either is over its limit. Memory is bounded: at most max_keys usernames and as many
    addresses; when a map is full, keys whose failures are all older than the window are
    dropped, then the one whose last failure is oldest. (That lets someone who fails from very
    many usernames or addresses flush an older counter: the bound on memory wins.)
    Thread-safe (one mutex). */
class attempt_limiter {
public:
    struct limits {
        std::size_t per_username = 5;
        std::size_t per_address = 20;
        std::chrono::seconds window{15 * 60};
        std::size_t max_keys = 10000;
    };
    using clock = std::chrono::steady_clock;

    explicit attempt_limiter(limits l) : limits_(l) {}

    /// True when `username` (normalized; empty: not counted) or `address` has reached its limit.
    bool blocked(std::string_view username, std::string_view address, clock::time_point now);
    /** Reserves one attempt: false, counting nothing, when `username` (empty: not counted) or
        `address` has reached its limit; otherwise counts one failure for both at `now` and
        returns true, in one step under the lock, so that of many concurrent attempts only as
        many as the limits allow get through to the password check (a check, then a hash, then a
        count would let them all through). An attempt that succeeds is given back with
        succeeded(username, address, now); one that fails stays counted. */
    bool try_begin(std::string_view username, std::string_view address, clock::time_point now);
    /// Records one failure for both.
    void failed(std::string_view username, std::string_view address, clock::time_point now);
    /// Forgets the failures of `username` (a successful sign-in); the address keeps its own.
    void succeeded(std::string_view username);
    /** A reserved attempt (try_begin at `begun`) that succeeded: forgets the failures of
        `username`, and gives the address back the one failure try_begin counted. */
    void succeeded(std::string_view username, std::string_view address, clock::time_point begun);
    /// A reserved attempt that is not a failure after all (a form refused before any check):
    /// gives back what try_begin counted for both.
    void refund(std::string_view username, std::string_view address, clock::time_point begun);

private:
    using failures = std::deque<clock::time_point>;  // newest last; at most the limit kept
    using map = std::map<std::string, failures, std::less<>>;
    std::size_t recent(map& m, std::string_view key, clock::time_point now) const;
    void add(map& m, std::string_view key, std::size_t keep, clock::time_point now);
    static void remove_one(map& m, std::string_view key, clock::time_point at);

    limits limits_;
    std::mutex mutex_;
    map by_username_;
    map by_address_;
};

}  // namespace login_site

#endif  // APIAUTH_EXAMPLES_LOGIN_SITE_ACCOUNTS_HPP
