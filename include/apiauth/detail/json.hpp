// apiauth/detail/json.hpp — the nlohmann/json helpers of the builders
// (jws::sign, jwt::signer, JSON response bodies): parsing that refuses
// duplicate member names, and serializing without throwing. The verification
// path reads JSON with simdjson alone (detail/json_reader.hpp, included here
// too) and never includes this header.
#ifndef APIAUTH_DETAIL_JSON_HPP
#define APIAUTH_DETAIL_JSON_HPP

#include <apiauth/config.hpp>
#include <apiauth/detail/json_reader.hpp>
#include <apiauth/error.hpp>

#include <nlohmann/json.hpp>

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

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail

#endif  // APIAUTH_DETAIL_JSON_HPP
