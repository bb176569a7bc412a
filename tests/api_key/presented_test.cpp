// Tests for apiauth/api_key/presented.hpp and the two I/O-free steps of verification in
// apiauth/api_key/verify.hpp (present_api_key, present_api_key_pair, present_basic_api_key, then
// verify_presented_api_key): the same answers as the synchronous functions, with the store awaited
// in between on another thread.

#include "api_key_support.hpp"

#include <atomic>
#include <future>
#include <thread>

namespace api_key_presented_test {

using namespace api_key_support;

namespace {

// A store whose lookups complete on another thread, as a Redis or PostgreSQL client's would.
struct async_store {
    const memory_api_key_store* inner = nullptr;
    bool down = false;
    mutable std::atomic<int> lookups{0};
    mutable std::atomic<bool> ran_elsewhere{true};

    std::future<result<std::shared_ptr<const api_key_record>>> lookup_async(std::string key_id) const
    {
        const std::thread::id caller = std::this_thread::get_id();
        return std::async(std::launch::async,
                          [this, caller, id = std::move(key_id)]() -> result<std::shared_ptr<const api_key_record>> {
                              ++lookups;
                              if (std::this_thread::get_id() == caller) ran_elsewhere = false;
                              if (down) return std::make_error_code(std::errc::connection_refused);
                              return inner->lookup(id);
                          });
    }
};

// A server's verification around an awaited lookup: first step, lookup, second step.
result<verified_api_key> two_step(result<apiauth::presented_api_key> key, const async_store& store,
                                  const pepper_ring& ring, const api_key_options& opt)
{
    if (!key) return key.error();
    auto pending = store.lookup_async(std::string(key->key_id()));
    // The request's thread is free here; the key lives in `key`, not in the request.
    result<std::shared_ptr<const api_key_record>> found = pending.get();
    if (!found) return found.error();  // an outage fails closed
    return apiauth::verify_presented_api_key(*key, std::move(*found), ring, opt);
}

std::string basic_header(std::string_view id, std::string_view secret)
{
    auto h = apiauth::http::encode_basic(id, secret);
    REQUIRE(h.has_value());
    return *h;
}

}  // namespace

static_assert(!std::is_default_constructible_v<apiauth::presented_api_key>);
static_assert(!std::is_copy_constructible_v<apiauth::presented_api_key>);
static_assert(std::is_nothrow_move_constructible_v<apiauth::presented_api_key>);
static_assert(noexcept(apiauth::present_api_key(std::string_view(), std::declval<const pepper_ring&>(),
                                                std::declval<const api_key_options&>())));
static_assert(noexcept(apiauth::present_api_key_pair(std::string_view(), std::string_view(),
                                                     std::declval<const pepper_ring&>(),
                                                     std::declval<const api_key_options&>())));
static_assert(noexcept(apiauth::present_basic_api_key(std::declval<const apiauth::http::request_view&>(),
                                                      std::declval<const pepper_ring&>(),
                                                      std::declval<const api_key_options&>())));
static_assert(noexcept(apiauth::verify_presented_api_key(std::declval<const apiauth::presented_api_key&>(), nullptr,
                                                         std::declval<const pepper_ring&>(),
                                                         std::declval<const api_key_options&>())));

TEST_CASE("two steps around an asynchronous store: every §9.3 token gets the answer of verify_api_key",
          "[api_key][two_step]")
{
    setup s;
    async_store as{&s.store};
    std::string tampered(T0);
    tampered[40] = 'X';
    const std::string_view tokens[] = {T0, T3, T4, T5, T6, tampered, "", doc_example};
    for (const std::string_view t : tokens) {
        INFO("token " << t);
        const int before = as.lookups;
        const auto sync = apiauth::verify_api_key(t, s.store, s.ring, policy());
        const auto two = two_step(apiauth::present_api_key(t, s.ring, policy()), as, s.ring, policy());
        CHECK(what(two) == what(sync));
        if (sync) {
            CHECK(two->record() == sync->record());
            CHECK(two->matched_previous() == sync->matched_previous());
            CHECK(two->needs_rehash() == sync->needs_rehash());
        }
        // Only a key that passed steps 1 to 5 reaches the store.
        const bool looked_up =
            sync || sync.error() == errc::api_key_not_found || sync.error() == errc::api_key_bad_secret;
        CHECK(as.lookups - before == (looked_up ? 1 : 0));
    }
    CHECK(as.ran_elsewhere);

    // The pair and Basic forms, and rehash under a newer pepper.
    const pepper_ring ring12 = ring_v12(2);
    const auto k = apiauth::parse_api_key(T0);
    REQUIRE(k.has_value());
    const auto pair = two_step(apiauth::present_api_key_pair(k->client_id(), k->client_secret(), ring12, policy()), as,
                               ring12, policy());
    REQUIRE(pair.has_value());
    CHECK(pair->record()->key_id == "10123456789ABCDEF");
    CHECK(pair->needs_rehash());
    const std::string header = basic_header(k->client_id(), k->client_secret());
    const std::string_view fields[] = {header};
    const auto basic =
        two_step(apiauth::present_basic_api_key({.authorization = fields}, s.ring, policy()), as, s.ring, policy());
    REQUIRE(basic.has_value());
    CHECK(basic->record() == pair->record());
}

TEST_CASE("two steps: the first rejects malformed, unknown-prefix, wrong-version and bad-checksum keys itself",
          "[api_key][two_step]")
{
    const pepper_ring ring = ring_v1();
    const auto error_of = [](const result<apiauth::presented_api_key>& r) {
        return r ? std::string("ok") : std::string(apiauth::error_name(r.error()));
    };
    std::string tampered(T0);
    tampered[40] = 'X';
    CHECK(error_of(apiauth::present_api_key("", ring, policy())) == what(errc::api_key_malformed));
    CHECK(error_of(apiauth::present_api_key(T0.substr(0, T0.size() - 1), ring, policy())) ==
          what(errc::api_key_malformed));
    CHECK(error_of(apiauth::present_api_key(T6, ring, policy())) == what(errc::api_key_unknown_prefix));
    CHECK(error_of(apiauth::present_api_key(T5, ring, policy())) == what(errc::api_key_unsupported_version));
    CHECK(error_of(apiauth::present_api_key(tampered, ring, policy())) == what(errc::api_key_bad_checksum));
    CHECK(error_of(apiauth::present_api_key(doc_example, ring, policy())) == what(errc::api_key_bad_checksum));
    CHECK(error_of(apiauth::present_api_key(T0, ring, {})) == what(errc::invalid_configuration));

    const auto t = apiauth::parse_api_key(T0);
    REQUIRE(t.has_value());
    CHECK(error_of(apiauth::present_api_key_pair(t->client_id(), "", ring, policy())) == what(errc::api_key_malformed));
    CHECK(error_of(apiauth::present_api_key_pair(t->client_id(), tampered.substr(26), ring, policy())) ==
          what(errc::api_key_bad_checksum));
    const std::string header = basic_header(t->client_id(), tampered.substr(26));
    const std::string_view fields[] = {header};
    CHECK(error_of(apiauth::present_basic_api_key({.authorization = fields}, ring, policy())) ==
          what(errc::api_key_bad_checksum));
    CHECK(error_of(apiauth::present_basic_api_key({}, ring, policy())) == what(errc::no_credentials));

    // A key that passes: its key id, ready for the store.
    const auto ok = apiauth::present_api_key(T0, ring, policy());
    REQUIRE(ok.has_value());
    CHECK(ok->key_id() == "10123456789ABCDEF");
    CHECK(ok->format() == api_key_format::v1);
}

TEST_CASE("two steps: a miss costs one MAC, as a wrong secret does, a store error fails closed after it",
          "[api_key][two_step]")
{
    setup s;
    const auto miss = apiauth::present_api_key(T4, s.ring, policy());
    REQUIRE(miss.has_value());
    counting_observer none;
    const auto r =
        apiauth::detail::finish_presented(*miss, std::shared_ptr<const api_key_record>(), s.ring, policy(), none);
    CHECK(what(r) == what(errc::api_key_not_found));
    CHECK(none.macs == 1);
    CHECK(what(apiauth::verify_presented_api_key(*miss, nullptr, s.ring, policy())) == what(errc::api_key_not_found));

    const auto wrong = apiauth::present_api_key(T3, s.ring, policy());
    REQUIRE(wrong.has_value());
    counting_observer bad;
    const auto rec = s.store.lookup(wrong->key_id());
    REQUIRE(rec.has_value());
    CHECK(what(apiauth::detail::finish_presented(*wrong, *rec, s.ring, policy(), bad)) ==
          what(errc::api_key_bad_secret));
    CHECK(bad.macs == none.macs);

    // An outage: the asynchronous server returns the store's error, as verify_api_key does.
    async_store down{&s.store, true};
    const auto two = two_step(apiauth::present_api_key(T0, s.ring, policy()), down, s.ring, policy());
    failing_store fs;
    const auto sync = apiauth::verify_api_key(T0, fs, s.ring, policy());
    REQUIRE_FALSE(two.has_value());
    REQUIRE_FALSE(sync.has_value());
    CHECK(two.error() == sync.error());
    CHECK(apiauth::http_status(two.error()) == 500);
    // Given the store's error itself, the second step of the synchronous path still spends the MAC.
    counting_observer outage;
    const auto key = apiauth::present_api_key(T0, s.ring, policy());
    REQUIRE(key.has_value());
    const result<std::shared_ptr<const api_key_record>> failed = std::make_error_code(std::errc::connection_refused);
    CHECK(apiauth::detail::finish_presented(*key, failed, s.ring, policy(), outage).error() == sync.error());
    CHECK(outage.macs == 1);
}

TEST_CASE("presented_api_key owns the key: the request may go away, a move keeps it, Stormpath pairs too",
          "[api_key][two_step]")
{
    setup s;
    const auto t = apiauth::parse_api_key(T0);
    REQUIRE(t.has_value());
    std::string header = basic_header(t->client_id(), t->client_secret());
    std::optional<result<apiauth::presented_api_key>> key;
    {
        const std::string_view fields[] = {header};
        key.emplace(apiauth::present_basic_api_key({.authorization = fields}, s.ring, policy()));
    }
    std::fill(header.begin(), header.end(), 'x');
    header.clear();
    header.shrink_to_fit();
    REQUIRE(key->has_value());
    const apiauth::presented_api_key moved = std::move(**key);
    key.reset();
    CHECK(moved.key_id() == "10123456789ABCDEF");
    const auto v = apiauth::verify_presented_api_key(moved, *s.store.lookup(moved.key_id()), s.ring, policy());
    REQUIRE(v.has_value());
    CHECK(v->record()->key_id == "10123456789ABCDEF");

    // A Stormpath pair: its 25-character id is the key id; it verifies against its imported record.
    const api_key_options legacy{.prefixes = allowed, .now = t_now, .accept_stormpath = true};
    auto imported = apiauth::import_stormpath_api_key(sp_id, sp_secret, s.ring, t_now - 24h);
    REQUIRE(imported.has_value());
    REQUIRE(s.store.insert(std::move(*imported)));
    async_store as{&s.store};
    const auto sp = apiauth::present_api_key_pair(sp_id, sp_secret, s.ring, legacy);
    REQUIRE(sp.has_value());
    CHECK(sp->key_id() == sp_id);
    CHECK(sp->format() == api_key_format::stormpath);
    const auto ok = two_step(apiauth::present_api_key_pair(sp_id, sp_secret, s.ring, legacy), as, s.ring, legacy);
    REQUIRE(ok.has_value());
    CHECK(ok->record()->format == api_key_format::stormpath);
    CHECK(what(two_step(apiauth::present_api_key_pair(sp_id, sp_secret2, s.ring, legacy), as, s.ring, legacy)) ==
          what(errc::api_key_bad_secret));
    CHECK(what(apiauth::present_api_key_pair(sp_id, "not base64", s.ring, legacy)) == what(errc::api_key_malformed));
}

}  // namespace api_key_presented_test
