// examples/common/html.hpp — HTML escaping for the example servers (demo_api, login_site): the five
// characters that can end a text node or an attribute value, so that any value may be put into
// either.
#ifndef APIAUTH_EXAMPLES_COMMON_HTML_HPP
#define APIAUTH_EXAMPLES_COMMON_HTML_HPP

#include <string>
#include <string_view>

namespace apiauth_examples {

/// `s` with & < > " ' replaced by their character references (HTML Living Standard §13.1.4).
inline std::string html_escape(std::string_view s)
{
    std::string out;
    out.reserve(s.size() + 16);
    for (const char c : s) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out += c;
        }
    }
    return out;
}

}  // namespace apiauth_examples

#endif  // APIAUTH_EXAMPLES_COMMON_HTML_HPP
