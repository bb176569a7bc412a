// fuzz_form — application/x-www-form-urlencoded (apiauth/http/form.hpp; RFC 6749 Appendix B, WHATWG URL §5.1).
//
// Input: one control byte, then the form text. ctl & 1 lets names repeat, ctl & 2 lets decoded octets be any
// octets; ctl & 4 bounds the size at 32 octets; (ctl >> 3) & 3 picks the count bound (64, 3, 1, 100).
// Checks, abort() on failure:
//  - parse_form gives exactly the answer of a simple model written here (split on '&', a grammar check, a
//    reference decoder, detail::is_utf8, a std::set of names), errors in the documented order;
//  - success: size() is the number of parameters iterated; each name and value views into the text, decodes to at
//    most as many octets as it has, and the owning and the span decoders agree (in place too); find() of every
//    decoded name gives its first value;
//  - encode_form_component then decode_form_component gives every decoded component, and the raw text, back;
//  - decode_form_component of the whole text agrees with the reference decoder.
#include "fuzz_check.hpp"

#include <apiauth/detail/utf8.hpp>
#include <apiauth/http/form.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace {

using apiauth::errc;
using apiauth::http::decode_form_component;
using apiauth::http::encode_form_component;
using apiauth::http::form_options;
using apiauth::http::form_pair;
using apiauth::http::parse_form;

int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// The reference decoder: nullopt on a bad escape.
std::optional<std::string> ref_decode(std::string_view s)
{
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%') {
            if (i + 2 >= s.size() || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0) return std::nullopt;
            out.push_back(static_cast<char>(hexval(s[i + 1]) * 16 + hexval(s[i + 2])));
            i += 2;
        } else {
            out.push_back(s[i] == '+' ? ' ' : s[i]);
        }
    }
    return out;
}

bool query_char(char c)
{
    const std::string_view other = "-._~!$&'()*+,;=:@/?%";
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           other.find(c) != std::string_view::npos;
}

struct model_result {
    std::optional<errc> error;
    std::vector<std::pair<std::string, std::string>> pairs;  // decoded
};

model_result model(std::string_view text, const form_options& opt)
{
    model_result m;
    if (text.size() > opt.max_size) return {errc::body_too_large, {}};
    std::vector<std::string_view> raw;
    for (std::size_t pos = 0; pos <= text.size();) {
        const std::size_t amp = std::min(text.find('&', pos), text.size());
        if (amp > pos) raw.push_back(text.substr(pos, amp - pos));
        pos = amp + 1;
    }
    if (raw.size() > opt.max_params) return {errc::too_many_parameters, {}};
    for (const char c : text)
        if (!query_char(c)) return {errc::malformed_form_body, {}};
    if (!ref_decode(text)) return {errc::malformed_form_body, {}};
    std::set<std::string> names;
    for (const std::string_view p : raw) {
        const std::size_t eq = p.find('=');
        const std::string n = *ref_decode(p.substr(0, eq));
        const std::string v = eq == std::string_view::npos ? std::string() : *ref_decode(p.substr(eq + 1));
        if (opt.require_utf8 && (!apiauth::detail::is_utf8(n) || !apiauth::detail::is_utf8(v)))
            return {errc::form_invalid_utf8, {}};
        if (opt.reject_duplicates && !names.insert(n).second) return {errc::duplicate_parameter, {}};
        m.pairs.emplace_back(n, v);
    }
    return m;
}

// Both decoders on one component: they agree, with the reference, and in place.
std::optional<std::string> decode_all_ways(std::string_view s)
{
    const auto ref = ref_decode(s);
    const auto owned = decode_form_component(s);
    std::vector<char> buf(s.size());
    const auto n = decode_form_component(s, std::span<char>(buf));
    std::string in_place(s);
    const auto m = decode_form_component(in_place, std::span<char>(in_place));
    FUZZ_CHECK(owned.has_value() == ref.has_value() && n.has_value() == ref.has_value() &&
               m.has_value() == ref.has_value());
    if (!ref) {
        FUZZ_CHECK(owned.error() == errc::malformed_form_body && n.error() == errc::malformed_form_body);
        return std::nullopt;
    }
    FUZZ_CHECK(*owned == *ref && *n == ref->size() && std::string_view(buf.data(), *n) == *ref);
    FUZZ_CHECK(*m == ref->size() && in_place.substr(0, *m) == *ref);
    FUZZ_CHECK(ref->size() <= s.size());
    if (ref->size() < s.size()) {  // a buffer one short of the decoded size is refused
        std::vector<char> small(ref->size() == 0 ? 0 : ref->size() - 1);
        if (!ref->empty())
            FUZZ_CHECK(decode_form_component(s, std::span<char>(small)).error() == errc::buffer_too_small);
    }
    return ref;
}

void check_round_trip(std::string_view plain)
{
    const std::string enc = encode_form_component(plain);
    const auto back = decode_form_component(enc);
    FUZZ_CHECK(back && *back == plain);
    // The encoding is itself a valid form value.
    const std::string body = "k=" + enc;
    const auto f = parse_form(body, {.max_size = SIZE_MAX, .require_utf8 = false});
    FUZZ_CHECK(f && f->size() == 1 && f->find("k") == std::optional<std::string_view>(enc));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0) return 0;
    const unsigned ctl = data[0];
    const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);

    form_options opt;
    opt.reject_duplicates = (ctl & 1) == 0;
    opt.require_utf8 = (ctl & 2) == 0;
    if (ctl & 4) opt.max_size = 32;
    constexpr std::size_t counts[] = {64, 3, 1, 100};
    opt.max_params = counts[(ctl >> 3) & 3];

    const model_result want = model(text, opt);
    const auto got = parse_form(text, opt);
    FUZZ_CHECK(got.has_value() == !want.error.has_value());
    if (!got) {
        FUZZ_CHECK(got.error() == *want.error);
    } else {
        FUZZ_CHECK(got->size() == want.pairs.size() && got->text() == text);
        std::size_t i = 0;
        for (const form_pair& p : *got) {
            FUZZ_CHECK(i < want.pairs.size());
            FUZZ_CHECK(p.name.data() >= text.data() && p.value.data() + p.value.size() <= text.data() + text.size());
            const auto n = decode_all_ways(p.name);
            const auto v = decode_all_ways(p.value);
            FUZZ_CHECK(n && v && *n == want.pairs[i].first && *v == want.pairs[i].second);
            // find() gives the first parameter of that decoded name.
            std::size_t first = 0;
            while (want.pairs[first].first != *n) ++first;
            const auto found = got->find(*n);
            FUZZ_CHECK(found && decode_form_component(*found).value() == want.pairs[first].second);
            check_round_trip(*n);
            check_round_trip(*v);
            ++i;
        }
        FUZZ_CHECK(i == want.pairs.size());
    }
    // The whole text as one component, and as arbitrary octets to encode.
    decode_all_ways(text);
    if (text.size() <= 4096) check_round_trip(text);
    return 0;
}
