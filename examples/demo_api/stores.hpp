// examples/demo_api/stores.hpp — the configured stores behind one interface each, and the browser sessions.
// Part of demo_api (main.cpp says what the program does); one translation unit includes it.
#ifndef APIAUTH_EXAMPLES_DEMO_API_STORES_HPP
#define APIAUTH_EXAMPLES_DEMO_API_STORES_HPP

#include "common.hpp"

namespace demo_api {

// ---------------------------------------------------------------------------------------------
// The stores, whichever were configured, behind one interface each, so that the routes below are
// written once. (A server with one kind of store uses it directly: every apiauth function that
// takes a store is a template over its concept.)

class key_backend {  // models apiauth::api_key_store, and the admin operations the pages use
public:
    virtual ~key_backend() = default;
    apiauth::result<std::shared_ptr<const apiauth::api_key_record>> lookup(std::string_view id) const noexcept
    {
        return do_lookup(id);
    }
    virtual apiauth::result<std::shared_ptr<const apiauth::api_key_record>>
        do_lookup(std::string_view) const noexcept = 0;
    virtual apiauth::result<apiauth::generated_api_key> create(const stores::new_api_key&,
                                                               const apiauth::pepper_ring&) = 0;
    virtual apiauth::result<std::vector<stores::api_key_listing>> list(std::string_view owner) = 0;
    virtual apiauth::result<void> disable(std::string_view id, std::string_view owner) = 0;
    // Rehash on use: the verifier of a key that matched under an older pepper, stored under the
    // current one (compare-and-set), so that the old pepper can be retired.
    virtual apiauth::result<bool> store_rehash(const std::shared_ptr<const apiauth::api_key_record>& record,
                                               const std::optional<apiauth::api_key_verifier>& rehash) = 0;
    virtual const char* name() const noexcept = 0;
};

template <class Store> class key_backend_of final : public key_backend {
public:
    key_backend_of(Store& s, const char* n) : s_(s), name_(n) {}
    apiauth::result<std::shared_ptr<const apiauth::api_key_record>>
    do_lookup(std::string_view id) const noexcept override
    {
        return s_.lookup(id);
    }
    apiauth::result<apiauth::generated_api_key> create(const stores::new_api_key& spec,
                                                       const apiauth::pepper_ring& ring) override
    {
        return stores::create_api_key(s_, spec, ring);
    }
    apiauth::result<std::vector<stores::api_key_listing>> list(std::string_view owner) override
    {
        return s_.list(owner);
    }
    apiauth::result<void> disable(std::string_view id, std::string_view owner) override
    {
        return s_.disable(id, stores::acting_owner(owner),
                          std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
    }
    apiauth::result<bool> store_rehash(const std::shared_ptr<const apiauth::api_key_record>& record,
                                       const std::optional<apiauth::api_key_verifier>& rehash) override
    {
        return stores::store_rehash(s_, record, rehash);
    }
    const char* name() const noexcept override { return name_; }

private:
    Store& s_;
    const char* name_;
};

class nonce_backend {  // models stores::nonce_store
public:
    template <stores::nonce_store S>
    explicit nonce_backend(S& s, const char* n)
        : s_(&s), name_(n), issue_([](void* p, std::string_view id, std::chrono::seconds l) noexcept {
              return static_cast<S*>(p)->issue(id, l);
          }),
          consume_([](void* p, std::string_view id) noexcept { return static_cast<S*>(p)->consume(id); })
    {
    }
    apiauth::result<bool> issue(std::string_view id, std::chrono::seconds lifetime) noexcept
    {
        return issue_(s_, id, lifetime);
    }
    apiauth::result<bool> consume(std::string_view id) noexcept { return consume_(s_, id); }
    const char* name() const noexcept { return name_; }

private:
    void* s_;
    const char* name_;
    apiauth::result<bool> (*issue_)(void*, std::string_view, std::chrono::seconds) noexcept;
    apiauth::result<bool> (*consume_)(void*, std::string_view) noexcept;
};

class revocation_backend {  // models oauth2::revocation_store
public:
    template <oauth2::revocation_store S>
    explicit revocation_backend(S& s, const char* n)
        : s_(&s), name_(n), is_revoked_([](const void* p, std::string_view j) noexcept {
              return static_cast<const S*>(p)->is_revoked(j);
          }),
          revoke_([](void* p, std::string_view j, std::chrono::sys_seconds u) noexcept {
              return static_cast<S*>(p)->revoke(j, u);
          })
    {
    }
    apiauth::result<bool> is_revoked(std::string_view jti) const noexcept { return is_revoked_(s_, jti); }
    apiauth::result<void> revoke(std::string_view jti, std::chrono::sys_seconds until) noexcept
    {
        return revoke_(s_, jti, until);
    }
    const char* name() const noexcept { return name_; }

private:
    void* s_;
    const char* name_;
    apiauth::result<bool> (*is_revoked_)(const void*, std::string_view) noexcept;
    apiauth::result<void> (*revoke_)(void*, std::string_view, std::chrono::sys_seconds) noexcept;
};

// ---------------------------------------------------------------------------------------------
// Browser sessions of this application (after an ID Site login): an unguessable id in an
// HttpOnly cookie, the account and a CSRF token for the forms; bounded, oldest dropped first.

struct browser_session {
    std::string account;  // the account's href (ID Site `sub`), or "<provider>:<sub>" (social login)
    std::string display;  // the name and email a social provider gave, when it gave them
    std::string csrf;     // the forms' hidden field, compared in constant time
    bool is_new = false;  // the account was just registered
    std::chrono::steady_clock::time_point expires;
};

class session_table {
public:
    std::string create(std::string account, bool is_new, std::string display = {})
    {
        std::string id = random_text(32);
        const std::lock_guard lock(mutex_);
        while (sessions_.size() >= capacity && !order_.empty()) {
            sessions_.erase(order_.front());
            order_.pop_front();
        }
        // Ids erased at logout stay in order_ until reached: drop them before they pile up.
        if (order_.size() >= 2 * capacity)
            std::erase_if(order_, [this](const std::string& old) { return !sessions_.contains(old); });
        sessions_[id] = {std::move(account), std::move(display), random_text(24), is_new,
                         std::chrono::steady_clock::now() + 8h};
        order_.push_back(id);
        return id;
    }
    std::optional<browser_session> find(std::string_view id)
    {
        const std::lock_guard lock(mutex_);
        const auto it = sessions_.find(id);
        if (it == sessions_.end()) return std::nullopt;
        if (it->second.expires < std::chrono::steady_clock::now()) {
            sessions_.erase(it);
            return std::nullopt;
        }
        return it->second;
    }
    void erase(std::string_view id)
    {
        const std::lock_guard lock(mutex_);
        if (const auto it = sessions_.find(id); it != sessions_.end()) sessions_.erase(it);
    }

private:
    static constexpr std::size_t capacity = 10000;
    std::mutex mutex_;
    std::map<std::string, browser_session, std::less<>> sessions_;
    std::deque<std::string> order_;  // creation order; an erased id is skipped when reached
};

// The routes that start a login (/login, /register, /logout, /login/oidc/NAME) cost this server
// memory for every anonymous GET: an ID Site request id in the nonce store (kept 300 s) or a
// pending social login. Each client address may start at most per_address of them per window;
// at most max_addresses addresses are tracked, and when that many are live a new address is
// refused too (rather than evicting a live one, which would let a flood from many addresses
// reset its own counters). So at most per_address × max_addresses (60,000) request ids are
// issued per 300 s, well under the in-memory nonce store's 100,000 (16 shards of 6,250: the
// margin is for ids that do not spread evenly): a flood gets 429 instead of filling the store
// and having every login answered 503. Thread-safe (one mutex).
class login_rate_limiter {
public:
    static constexpr std::size_t per_address = 30;
    static constexpr std::size_t max_addresses = 2000;
    static constexpr std::chrono::seconds window{300};
    using clock = std::chrono::steady_clock;

    // 0 when `address` may start a login now (counted), else the seconds until it may.
    std::int64_t try_start(const std::string& address, clock::time_point now = clock::now())
    {
        const std::lock_guard lock(mutex_);
        auto it = starts_.find(address);
        if (it == starts_.end()) {
            if (starts_.size() >= max_addresses)
                std::erase_if(starts_, [&](const auto& kv) { return now - kv.second.back() >= window; });
            if (starts_.size() >= max_addresses) return window.count();
            it = starts_.emplace(address, std::deque<clock::time_point>{}).first;
        }
        auto& times = it->second;
        while (!times.empty() && now - times.front() >= window) times.pop_front();
        if (times.size() >= per_address)
            return std::max<std::int64_t>(
                1, std::chrono::ceil<std::chrono::seconds>(times.front() + window - now).count());
        times.push_back(now);
        return 0;
    }

private:
    std::mutex mutex_;
    std::map<std::string, std::deque<clock::time_point>, std::less<>> starts_;
};

// The value of cookie `name` in the request's Cookie fields (RFC 6265 §5.4: "a=1; b=2").

}  // namespace demo_api

#endif  // APIAUTH_EXAMPLES_DEMO_API_STORES_HPP
