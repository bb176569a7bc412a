// accounts.cpp — scrypt password records, the users file and the failed sign-in limiter
// (accounts.hpp says what each does and why).

#include "accounts.hpp"

#include "../common/private_file.hpp"

#include <apiauth/crypto/random.hpp>
#include <apiauth/encoding/base64.hpp>

#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <limits>
#include <span>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace login_site {

namespace {

// ---- scrypt (RFC 7914), through OpenSSL 3 ----

// The memory scrypt needs, as OpenSSL counts it (crypto/evp/pbe_scrypt.c: B is 128·r·p
// octets, V 128·r·(N+2)), with room to spare: EVP_PBE_scrypt refuses to run past maxmem.
std::uint64_t scrypt_memory(const scrypt_params& s)
{
    const std::uint64_t n = std::uint64_t{1} << s.log_n;
    const auto r = static_cast<std::uint64_t>(s.r);
    const auto p = static_cast<std::uint64_t>(s.p);
    return 128 * r * (n + 2) + 128 * r * p + 64 * 1024;
}

bool derive(std::string_view password, std::span<const unsigned char> salt, const scrypt_params& s,
            std::array<unsigned char, 32>& out) noexcept
{
    return EVP_PBE_scrypt(password.data(), password.size(), salt.data(), salt.size(), std::uint64_t{1} << s.log_n,
                          static_cast<std::uint64_t>(s.r), static_cast<std::uint64_t>(s.p), scrypt_memory(s),
                          out.data(), out.size()) == 1;
}

// The parameters a users file may hold: bounded, so that no record can make one sign-in take
// gigabytes (r·p < 2^30 is RFC 7914 §2's own bound; these are much tighter).
bool acceptable(const scrypt_params& s) noexcept
{
    return s.log_n >= min_log_n && s.log_n <= max_log_n && s.r >= 1 && s.r <= 16 && s.p >= 1 && s.p <= 4;
}

// ---- text checks ----

bool is_username_char(char c) noexcept
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '@' || c == '-';
}

// Well-formed UTF-8 (RFC 3629 §4: no overlong forms, no surrogates, nothing past U+10FFFF) with
// no C0 control character and no DEL.
bool is_plain_utf8(std::string_view s) noexcept
{
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f) return false;
            ++i;
            continue;
        }
        std::size_t len = 0;
        unsigned char lo = 0x80, hi = 0xbf;  // bounds of the second octet
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            if (c == 0xe0) lo = 0xa0;
            if (c == 0xed) hi = 0x9f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            if (c == 0xf0) lo = 0x90;
            if (c == 0xf4) hi = 0x8f;
        } else {
            return false;
        }
        if (s.size() - i < len) return false;
        for (std::size_t k = 1; k < len; ++k) {
            const auto d = static_cast<unsigned char>(s[i + k]);
            if (d < (k == 1 ? lo : 0x80) || d > (k == 1 ? hi : 0xbf)) return false;
        }
        i += len;
    }
    return true;
}

bool is_plausible_email(std::string_view e) noexcept
{
    if (e.size() > max_email || !is_plain_utf8(e)) return false;
    const std::size_t at = e.find('@');
    if (at == 0 || at == std::string_view::npos || at + 1 == e.size() || e.find('@', at + 1) != e.npos) return false;
    return e.find(' ') == std::string_view::npos;
}

// ---- the users file ----

std::string b64(std::span<const unsigned char> bytes)
{
    return apiauth::encoding::base64::encode(std::as_bytes(bytes));
}

template <std::size_t N>
void from_b64(const nlohmann::json& j, const char* name, std::array<unsigned char, N>& out, const std::string& where)
{
    if (!j.contains(name) || !j[name].is_string()) throw account_error(where + ": password." + name + " is missing");
    const auto d = apiauth::encoding::base64::decode(j[name].get<std::string>());
    if (!d || d->size() != N)
        throw account_error(where + ": password." + name + " must be the base64 of " + std::to_string(N) + " octets");
    std::memcpy(out.data(), d->data(), N);
}

std::string optional_string(const nlohmann::json& j, const char* name, const std::string& where)
{
    if (!j.contains(name) || j[name].is_null()) return {};
    if (!j[name].is_string()) throw account_error(where + ": " + name + " must be a string");
    return j[name].get<std::string>();
}

int small_int(const nlohmann::json& j, const char* name, const std::string& where)
{
    if (!j.contains(name) || !j[name].is_number_integer() || j[name].get<std::int64_t>() < 0 ||
        j[name].get<std::int64_t>() > 64)
        throw account_error(where + ": password." + name + " must be a small integer");
    return static_cast<int>(j[name].get<std::int64_t>());
}

account read_account(const nlohmann::json& u, const std::string& where)
{
    if (!u.is_object()) throw account_error(where + ": not an object");
    account a;
    const std::string given = optional_string(u, "username", where);
    const auto name = normalize_username(given);
    if (!name) throw account_error(where + ": username must be 1-64 characters of [A-Za-z0-9._@-]");
    a.username = *name;
    a.name = optional_string(u, "name", where);
    a.email = optional_string(u, "email", where);
    a.href = optional_string(u, "href", where);
    if (a.name.size() > max_name || !is_plain_utf8(a.name)) throw account_error(where + ": name is not valid");
    if (!a.email.empty() && !is_plausible_email(a.email)) throw account_error(where + ": email is not valid");
    if (!is_plain_utf8(a.href)) throw account_error(where + ": href is not valid");
    if (!u.contains("password") || !u["password"].is_object()) throw account_error(where + ": password is missing");
    const nlohmann::json& p = u["password"];
    if (optional_string(p, "kdf", where) != "scrypt") throw account_error(where + ": password.kdf must be \"scrypt\"");
    a.password.params = {small_int(p, "log_n", where), small_int(p, "r", where), small_int(p, "p", where)};
    if (!acceptable(a.password.params))
        throw account_error(where + ": password parameters out of range (log_n " + std::to_string(min_log_n) + "-" +
                            std::to_string(max_log_n) + ", r 1-16, p 1-4)");
    from_b64(p, "salt", a.password.salt, where);
    from_b64(p, "hash", a.password.hash, where);
    return a;
}

nlohmann::json to_json(const account& a)
{
    const password_record& p = a.password;
    nlohmann::json j = {{"username", a.username}, {"name", a.name}, {"email", a.email}};
    if (!a.href.empty()) j["href"] = a.href;
    j["password"] = {{"kdf", "scrypt"}, {"log_n", p.params.log_n}, {"r", p.params.r},
                     {"p", p.params.p}, {"salt", b64(p.salt)},     {"hash", b64(p.hash)}};
    return j;
}

std::string errno_text(int e)
{
    return std::strerror(e);
}

// Writes `text` to `path` atomically, mode 0600 (see account_store's comment).
void replace_file(const std::string& path, const std::string& text)
{
    if (const int e = apiauth_examples::write_private_file(path, text, true))
        throw account_error("cannot write " + path + ": " + errno_text(e));
}

}  // namespace

// ---- passwords ----

password_record hash_password(std::string_view password, const scrypt_params& params)
{
    if (!acceptable(params)) throw account_error("scrypt parameters out of range");
    password_record r;
    r.params = params;
    if (!apiauth::crypto::random_bytes(std::as_writable_bytes(std::span(r.salt))))
        throw account_error("the random generator failed");
    if (!derive(password, r.salt, params, r.hash)) throw account_error("scrypt failed (OpenSSL EVP_PBE_scrypt)");
    return r;
}

bool verify_password(std::string_view password, const password_record& record) noexcept
{
    if (password.size() > max_password || !acceptable(record.params)) return false;
    std::array<unsigned char, 32> derived{};
    if (!derive(password, record.salt, record.params, derived)) return false;
    const bool same = CRYPTO_memcmp(derived.data(), record.hash.data(), derived.size()) == 0;
    OPENSSL_cleanse(derived.data(), derived.size());
    return same;
}

std::optional<std::string> normalize_username(std::string_view username)
{
    if (username.empty() || username.size() > max_username) return std::nullopt;
    std::string out(username);
    for (char& c : out) {
        if (!is_username_char(c)) return std::nullopt;
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

std::optional<std::string> check_new_account(std::string_view username, std::string_view password,
                                             std::string_view name, std::string_view email)
{
    if (!normalize_username(username)) return "A username is 1 to 64 characters: letters, digits, and . _ @ -";
    if (password.size() < min_password || password.size() > max_password)
        return "A password is 8 to 1024 characters long.";
    if (name.size() > max_name || !is_plain_utf8(name)) return "A name is at most 128 characters, on one line.";
    if (!email.empty() && !is_plausible_email(email)) return "That e-mail address does not look right.";
    return std::nullopt;
}

std::string new_account_href(std::string_view issuer)
{
    std::array<std::byte, 16> id{};
    if (!apiauth::crypto::random_bytes(id)) throw account_error("the random generator failed");
    while (!issuer.empty() && issuer.back() == '/') issuer.remove_suffix(1);
    return std::string(issuer) + "/accounts/" + apiauth::encoding::base64url::encode(id);
}

// ---- account_store ----

account_store::account_store(std::string path) : path_(std::move(path))
{
    std::ifstream in(path_, std::ios::binary);
    if (!in) {
        struct stat st {};
        if (stat(path_.c_str(), &st) != 0 && errno == ENOENT) return;  // created at the first write
        throw account_error("cannot read " + path_ + ": " + errno_text(errno));
    }
    exists_ = true;
    struct stat st {};
    if (stat(path_.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
        std::fprintf(stderr,
                     "login_site: warning: %s is readable by others (mode %03o); it will be 0600 when rewritten\n",
                     path_.c_str(), static_cast<unsigned>(st.st_mode & 0777));
    std::ostringstream text;
    text << in.rdbuf();
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(text.str());
    } catch (const nlohmann::json::exception& e) {
        throw account_error(path_ + ": not JSON: " + e.what());
    }
    if (!doc.is_object() || !doc.contains("users") || !doc["users"].is_array())
        throw account_error(path_ + ": expected {\"users\": [...]}");
    std::size_t i = 0;
    for (const nlohmann::json& u : doc["users"]) {
        const std::string where = path_ + ": users[" + std::to_string(i++) + "]";
        account a = read_account(u, where);
        const std::string key = a.username;
        if (!accounts_.emplace(key, std::make_shared<const account>(std::move(a))).second)
            throw account_error(where + ": username \"" + key + "\" appears twice (usernames ignore case)");
    }
    count(accounts_);
}

void account_store::count(const account_map& accounts)
{
    param_counts_.clear();
    for (const auto& [name, a] : accounts) ++param_counts_[a->password.params];
}

scrypt_params account_store::common_params(const scrypt_params& fallback) const
{
    const std::shared_lock lock(data_);
    scrypt_params best = fallback;
    std::size_t most = 0;
    for (const auto& [params, n] : param_counts_)
        if (n >= most) {  // ascending order: a tie goes to the larger parameters
            best = params;
            most = n;
        }
    return best;
}

bool account_store::update_password(std::string_view username, const password_record& record)
{
    const std::lock_guard writing(writer_);
    account_map next;
    {
        const std::shared_lock lock(data_);
        if (!accounts_.contains(username)) return false;
        next = accounts_;
    }
    const auto it = next.find(username);
    const scrypt_params before = it->second->password.params;
    auto copy = std::make_shared<account>(*it->second);
    copy->password = record;
    it->second = std::move(copy);
    write(next);
    const std::unique_lock lock(data_);
    accounts_ = std::move(next);
    if (auto c = param_counts_.find(before); c != param_counts_.end() && --c->second == 0) param_counts_.erase(c);
    ++param_counts_[record.params];
    return true;
}

std::shared_ptr<const account> account_store::find(std::string_view username) const
{
    const std::shared_lock lock(data_);
    const auto it = accounts_.find(username);
    return it == accounts_.end() ? nullptr : it->second;
}

std::size_t account_store::size() const
{
    const std::shared_lock lock(data_);
    return accounts_.size();
}

bool account_store::file_exists() const
{
    const std::shared_lock lock(data_);
    return exists_;
}

void account_store::write(const account_map& accounts)
{
    nlohmann::json users = nlohmann::json::array();
    for (const auto& [name, a] : accounts) users.push_back(to_json(*a));
    replace_file(path_, nlohmann::json{{"users", std::move(users)}}.dump(2) + "\n");
}

account_store::add_outcome account_store::add(account a)
{
    const auto name = normalize_username(a.username);
    if (!name) throw account_error("invalid username");
    a.username = *name;
    const std::lock_guard writing(writer_);
    account_map next;
    {
        const std::shared_lock lock(data_);
        if (accounts_.contains(a.username)) return add_outcome::taken;
        if (accounts_.size() >= max_accounts) return add_outcome::full;
        next = accounts_;  // shared pointers: cheap
    }
    const std::string key = a.username;
    const scrypt_params params = a.password.params;
    next.emplace(key, std::make_shared<const account>(std::move(a)));
    write(next);  // only writers change the map, and they are serialized: it is still current
    const std::unique_lock lock(data_);
    accounts_ = std::move(next);
    ++param_counts_[params];
    exists_ = true;
    return add_outcome::added;
}

std::size_t account_store::assign_hrefs(std::string_view issuer)
{
    const std::lock_guard writing(writer_);
    account_map next;
    {
        const std::shared_lock lock(data_);
        next = accounts_;
    }
    std::size_t given = 0;
    for (auto& [name, a] : next) {
        if (!a->href.empty()) continue;
        auto copy = std::make_shared<account>(*a);
        copy->href = new_account_href(issuer);
        a = std::move(copy);
        ++given;
    }
    if (given == 0 && exists_) return 0;
    write(next);
    const std::unique_lock lock(data_);
    accounts_ = std::move(next);
    exists_ = true;
    return given;
}

// ---- attempt_limiter ----

std::size_t attempt_limiter::recent(map& m, std::string_view key, clock::time_point now) const
{
    const auto it = m.find(key);
    if (it == m.end()) return 0;
    failures& f = it->second;
    while (!f.empty() && now - f.front() >= limits_.window) f.pop_front();
    if (f.empty()) {
        m.erase(it);
        return 0;
    }
    return f.size();
}

void attempt_limiter::add(map& m, std::string_view key, std::size_t keep, clock::time_point now)
{
    auto it = m.find(key);
    if (it == m.end()) {
        if (m.size() >= limits_.max_keys) {
            std::erase_if(m, [&](const auto& kv) { return now - kv.second.back() >= limits_.window; });
            if (m.size() >= limits_.max_keys) {
                const auto oldest = std::min_element(
                    m.begin(), m.end(), [](const auto& a, const auto& b) { return a.second.back() < b.second.back(); });
                m.erase(oldest);
            }
        }
        it = m.emplace(std::string(key), failures{}).first;
    }
    it->second.push_back(now);
    while (it->second.size() > keep) it->second.pop_front();  // the limit is all that is ever counted
}

void attempt_limiter::remove_one(map& m, std::string_view key, clock::time_point at)
{
    const auto it = m.find(key);
    if (it == m.end()) return;  // already dropped (old, or evicted): nothing to give back
    failures& f = it->second;
    for (auto i = f.rbegin(); i != f.rend(); ++i)
        if (*i == at) {
            f.erase(std::next(i).base());
            break;
        }
    if (f.empty()) m.erase(it);
}

bool attempt_limiter::try_begin(std::string_view username, std::string_view address, clock::time_point now)
{
    const std::lock_guard lock(mutex_);
    if ((!username.empty() && recent(by_username_, username, now) >= limits_.per_username) ||
        recent(by_address_, address, now) >= limits_.per_address)
        return false;
    if (!username.empty()) add(by_username_, username, limits_.per_username, now);
    add(by_address_, address, limits_.per_address, now);
    return true;
}

void attempt_limiter::succeeded(std::string_view username, std::string_view address, clock::time_point begun)
{
    const std::lock_guard lock(mutex_);
    if (const auto it = by_username_.find(username); it != by_username_.end()) by_username_.erase(it);
    remove_one(by_address_, address, begun);
}

void attempt_limiter::refund(std::string_view username, std::string_view address, clock::time_point begun)
{
    const std::lock_guard lock(mutex_);
    if (!username.empty()) remove_one(by_username_, username, begun);
    remove_one(by_address_, address, begun);
}

bool attempt_limiter::blocked(std::string_view username, std::string_view address, clock::time_point now)
{
    const std::lock_guard lock(mutex_);
    return (!username.empty() && recent(by_username_, username, now) >= limits_.per_username) ||
           recent(by_address_, address, now) >= limits_.per_address;
}

void attempt_limiter::failed(std::string_view username, std::string_view address, clock::time_point now)
{
    const std::lock_guard lock(mutex_);
    if (!username.empty()) add(by_username_, username, limits_.per_username, now);
    add(by_address_, address, limits_.per_address, now);
}

void attempt_limiter::succeeded(std::string_view username)
{
    const std::lock_guard lock(mutex_);
    if (const auto it = by_username_.find(username); it != by_username_.end()) by_username_.erase(it);
}

}  // namespace login_site
