// apiauth/detail/json_reader.hpp — reading untrusted JSON with simdjson:
// the duplicate-member and depth check of the verification hot path, and a
// document for the reads off it (JWK, JWK Set, explanations). No
// nlohmann/json here: verifying does not need it (detail/json.hpp has the
// nlohmann helpers of the builders).
#ifndef APIAUTH_DETAIL_JSON_READER_HPP
#define APIAUTH_DETAIL_JSON_READER_HPP

#include <apiauth/config.hpp>
#include <apiauth/detail/bytes.hpp>
#include <apiauth/error.hpp>

#include <apiauth/detail/simdjson.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <new>
#include <optional>
#include <string_view>
#include <system_error>
#include <vector>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail {

// Nesting a token's JSON never needs; deeper is refused as malformed.
inline constexpr int max_json_depth = 64;

// A cheap summary of a member name (length, first and last octet): names
// with different fingerprints differ, so only equal ones are compared. The
// whole length is kept (bits 16-63; names are far shorter than 2^48 octets),
// so equal fingerprints mean equal lengths; callers still compare whole
// string_views (length first), never memcmp by one side's length. (A 32-bit
// print once kept only the length's low 16 bits: names 65536 octets apart
// collided, and a memcmp by the key's length read past a shorter name.)
inline std::uint64_t key_fingerprint(std::string_view key) noexcept
{
    if (key.empty()) return 0;
    return (static_cast<std::uint64_t>(key.size()) << 16) |
           (static_cast<std::uint64_t>(static_cast<unsigned char>(key.front())) << 8) |
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
            std::uint64_t prints[16];
            std::size_t k = 0;
            for (const auto field : o) {
                const std::string_view key = field.key;
                const std::uint64_t fp = key_fingerprint(key);
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

// One JSON text read off the hot path (a JWK, a JWK Set, a token response, a header being
// explained): its own padded copy of the text and its own parser, both released on destruction,
// and wiped first (a JWK may hold a private key, a token response tokens): the copy, and every
// string and member name of the document, which simdjson keeps unescaped in its parser's buffer
// (up to max_json_depth + 1 levels deep: a deeper text is refused by the unique check anyway).
// Elements view into it. Allocates; may throw std::bad_alloc.
class json_document {
public:
    json_document() = default;
    json_document(const json_document&) = delete;
    json_document& operator=(const json_document&) = delete;
    ~json_document()
    {
        wipe_strings();
        wipe(text_.data(), text_.size());
    }

    // Reads `text`: one JSON value of valid UTF-8 (RFC 8259 §8.1), a leading
    // byte order mark skipped as §8.1 allows. With `unique`, every member name
    // occurs once per object and nesting stops at max_json_depth (RFC 7515 §4,
    // RFC 7517 §4). False otherwise, and also for a number simdjson cannot hold
    // (an integer beyond 64 bits, beyond double). std::bad_alloc when out of memory.
    bool parse(std::string_view text, bool unique = true)
    {
        if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
        wipe_strings();
        wipe(text_.data(), text_.size());
        text_.assign(text.size() + simdjson::SIMDJSON_PADDING, '\0');
        std::copy(text.begin(), text.end(), text_.begin());
        const auto err = parser_.parse(text_.data(), text.size(), false).get(root_);
        if (err == simdjson::MEMALLOC) throw std::bad_alloc();
        if (err != simdjson::SUCCESS) return false;
        parsed_ = true;
        if (!unique) return true;
        std::vector<std::string_view> scratch;
        const std::error_code e = check_members(root_, scratch, errc::invalid_key);
        if (e == std::errc::not_enough_memory) throw std::bad_alloc();
        return !e;
    }

    // The value read by the last successful parse().
    simdjson::dom::element root() const noexcept { return root_; }

private:
    // Zeroes the strings and member names of the document last read, in the parser's buffer.
    void wipe_strings() noexcept
    {
        if (!parsed_) return;
        parsed_ = false;
        const auto zero = [](std::string_view t) {
            if (!t.empty()) wipe(const_cast<char*>(t.data()), t.size());  // the parser's own buffer
        };
        const auto walk = [&](const auto& self, simdjson::dom::element e, int depth) -> void {
            if (depth > max_json_depth + 1) return;
            std::string_view t;
            simdjson::dom::object o;
            simdjson::dom::array a;
            if (e.get_string().get(t) == simdjson::SUCCESS) {
                zero(t);
            } else if (e.get_object().get(o) == simdjson::SUCCESS) {
                for (const auto f : o) {
                    zero(f.key);
                    self(self, f.value, depth + 1);
                }
            } else if (e.get_array().get(a) == simdjson::SUCCESS) {
                for (const auto v : a) self(self, v, depth + 1);
            }
        };
        walk(walk, root_, 0);
    }

    std::vector<char> text_;
    simdjson::dom::parser parser_;
    simdjson::dom::element root_;
    bool parsed_ = false;  // root_ is a document whose strings are in parser_
};

// The string member `name` of object `o`, if present and a string.
inline std::optional<std::string_view> member_string(simdjson::dom::object o, std::string_view name) noexcept
{
    std::string_view s;
    if (o.at_key(name).get_string().get(s) != simdjson::SUCCESS) return std::nullopt;
    return s;
}

// True if object `o` has a member `name`.
inline bool has_member(simdjson::dom::object o, std::string_view name) noexcept
{
    return o.at_key(name).error() == simdjson::SUCCESS;
}

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail

#endif  // APIAUTH_DETAIL_JSON_READER_HPP
