// apiauth/detail/json.hpp — JSON helpers: nlohmann parsing that refuses
// duplicate member names, and the per-thread simdjson parser of the
// verification hot path.
#ifndef APIAUTH_DETAIL_JSON_HPP
#define APIAUTH_DETAIL_JSON_HPP

#include <apiauth/config.hpp>
#include <apiauth/error.hpp>

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail {

/** Parse `text` with nlohmann/json; nothing on a syntax error, invalid UTF-8,
    or a member name that occurs twice in one object (RFC 7515 §4, RFC 7517
    §4: a parser must reject duplicates or keep the last one; we reject).
    Never throws on bad input; may throw std::bad_alloc. Not for hot paths. */
inline std::optional<nlohmann::json> parse_json_unique(std::string_view text)
{
    // nlohmann's lexer takes a NUL octet for the end of the input, so "{}\0junk" would parse;
    // a raw NUL is never valid JSON (RFC 8259 §2, §7), so refuse it here.
    if (text.find('\0') != std::string_view::npos) return std::nullopt;
    std::vector<std::vector<std::string>> names;
    bool duplicate = false;
    const nlohmann::json::parser_callback_t cb = [&](int, nlohmann::json::parse_event_t ev, nlohmann::json& parsed) {
        using ev_t = nlohmann::json::parse_event_t;
        if (ev == ev_t::object_start) {
            names.emplace_back();
        } else if (ev == ev_t::key && !names.empty()) {
            const auto& k = parsed.get_ref<const std::string&>();
            for (const auto& seen : names.back())
                if (seen == k) duplicate = true;
            names.back().push_back(k);
        } else if (ev == ev_t::object_end && !names.empty()) {
            names.pop_back();
        }
        return true;
    };
    nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), cb, /*allow_exceptions=*/false);
    if (j.is_discarded() || duplicate) return std::nullopt;
    return j;
}

/** `j` as compact JSON text; json_invalid_utf8 instead of nlohmann's
    type_error 316 when a string in it is not valid UTF-8 (refusing is the
    secure choice: "replace" would sign other text than the caller gave),
    not_enough_memory instead of std::bad_alloc. Never throws. */
inline result<std::string> dump_json(const nlohmann::json& j) noexcept
{
    try {
        return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
    } catch (const nlohmann::json::type_error&) {
        return make_error_code(errc::json_invalid_utf8);
    } catch (...) {
        return std::make_error_code(std::errc::not_enough_memory);
    }
}

/// The string member `name` of object `o`, if present and a string.
inline const std::string* json_string(const nlohmann::json& o, const char* name)
{
    const auto it = o.find(name);
    return it != o.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
}

// Nesting a token's JSON never needs; deeper is refused as malformed.
inline constexpr int max_json_depth = 64;

// A cheap summary of a member name (length, first and last octet): names
// with different fingerprints differ, so only equal ones are compared.
inline std::uint32_t key_fingerprint(std::string_view key) noexcept
{
    if (key.empty()) return 0;
    return (static_cast<std::uint32_t>(key.size()) << 16) ^
           (static_cast<std::uint32_t>(static_cast<unsigned char>(key.front())) << 8) ^
           static_cast<unsigned char>(key.back());
}

// True when some object in `e` (recursively) has a member name twice, or
// when `e` nests deeper than 64 levels (check_members tells the two apart).
// simdjson keeps duplicates; RFC 7515 §4 and RFC 7519 §4 want them refused.
// Objects of up to 16 members are checked pairwise; larger ones by sorting
// their names in a buffer that is reused (it allocates only when it grows).
inline bool has_duplicate_member(simdjson::dom::element e, std::vector<std::string_view>& scratch, int depth = 0)
{
    if (depth > max_json_depth) return true;  // deeper than any token needs
    if (e.is_object()) {
        simdjson::dom::object o;
        if (e.get_object().get(o) != simdjson::SUCCESS) return true;
        const std::size_t n = o.size();
        if (n <= 16) {
            // Pairwise, but on a fingerprint (length, first and last octet)
            // first, so distinct names rarely reach a full comparison.
            std::string_view keys[16];
            std::uint32_t prints[16];
            std::size_t k = 0;
            for (const auto field : o) {
                const std::string_view key = field.key;
                const std::uint32_t fp = key_fingerprint(key);
                for (std::size_t i = 0; i < k; ++i)
                    if (prints[i] == fp && keys[i] == key) return true;
                keys[k] = key;
                prints[k++] = fp;
            }
        } else {
            const std::size_t base = scratch.size();
            for (const auto field : o) scratch.push_back(field.key);
            std::sort(scratch.begin() + static_cast<std::ptrdiff_t>(base), scratch.end());
            const bool dup =
                std::adjacent_find(scratch.begin() + static_cast<std::ptrdiff_t>(base), scratch.end()) != scratch.end();
            scratch.resize(base);
            if (dup) return true;
        }
        for (const auto field : o)
            if ((field.value.is_object() || field.value.is_array()) &&
                has_duplicate_member(field.value, scratch, depth + 1))
                return true;
    } else if (e.is_array()) {
        simdjson::dom::array a;
        if (e.get_array().get(a) != simdjson::SUCCESS) return true;
        for (const auto v : a)
            if ((v.is_object() || v.is_array()) && has_duplicate_member(v, scratch, depth + 1)) return true;
    }
    return false;
}

// duplicate_member for a repeated name anywhere in `e`; `too_deep` (the
// caller's "malformed" error) for nesting past max_json_depth.
inline std::error_code check_members(simdjson::dom::element e, std::vector<std::string_view>& scratch, errc too_deep,
                                     int depth = 0) noexcept
{
    try {  // scratch grows for objects of more than 16 members (reused, so once per thread)
        if (!has_duplicate_member(e, scratch, depth)) return {};
    } catch (...) {
        scratch.clear();
        return std::make_error_code(std::errc::not_enough_memory);
    }
    const auto deepest = [](auto&& self, simdjson::dom::element x, int d) -> int {
        if (d > max_json_depth) return d;
        int m = d;
        simdjson::dom::object o;
        simdjson::dom::array a;
        if (x.get_object().get(o) == simdjson::SUCCESS)
            for (const auto f : o) m = std::max(m, self(self, f.value, d + 1));
        else if (x.get_array().get(a) == simdjson::SUCCESS)
            for (const auto v : a) m = std::max(m, self(self, v, d + 1));
        return m;
    };
    return deepest(deepest, e, depth) > max_json_depth ? make_error_code(too_deep)
                                                       : make_error_code(errc::duplicate_member);
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail

#endif  // APIAUTH_DETAIL_JSON_HPP
