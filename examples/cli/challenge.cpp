// challenge.cpp — `apiauth challenge basic | bearer`: the WWW-Authenticate value a server sends.

#include "cli.hpp"

#include <apiauth/http/challenge.hpp>

#include <iostream>
#include <memory>

namespace apiauth_cli {

namespace challenge_cmd {

namespace http = apiauth::http;

/// The value on stdout (JSON: "header", "value"), or the refusal on stderr.
exit_code print_written(report& r, const apiauth::result<std::string>& value)
{
    if (!value) return r.refuse("refused", value.error());
    r.line(*value);
    r["header"] = "WWW-Authenticate";
    r["value"] = *value;
    return r.finish(exit_code::ok);
}

struct basic_options {
    std::string realm;
    bool no_charset = false;
};

struct bearer_options {
    std::string realm, error, description, uri, scope;
};

}  // namespace challenge_cmd

void add_challenge_commands(CLI::App& app, context& ctx)
{
    using namespace challenge_cmd;
    CLI::App* group = add_group(app, "challenge", "write a WWW-Authenticate challenge (basic, bearer)");

    auto basic = std::make_shared<basic_options>();
    CLI::App* b =
        add_command(*group, ctx, "basic", "write a Basic challenge",
                    "Write the WWW-Authenticate value for Basic (RFC 7617 §2): realm=\"R\", and\n"
                    "charset=\"UTF-8\" unless --no-charset. An empty realm is allowed; a realm with a\n"
                    "control character or a non-ASCII octet is refused.",
                    "JSON: command verdict header value | error{name message}\n"
                    "exit status: 0 written, 1 refused, 2 usage error\n"
                    "example:\n"
                    "  apiauth challenge basic --realm example",
                    [&ctx, basic] {
                        report r{ctx, "challenge basic"};
                        return print_written(r, http::write_basic_challenge(basic->realm, !basic->no_charset));
                    });
    b->add_option("--realm", basic->realm, "the realm (required, RFC 7617 §2)")->type_name("R")->required();
    b->add_flag("--no-charset", basic->no_charset, "leave out charset=\"UTF-8\"");

    auto bearer = std::make_shared<bearer_options>();
    CLI::App* e = add_command(
        *group, ctx, "bearer", "write a Bearer challenge",
        "Write the WWW-Authenticate value for Bearer (RFC 6750 §3). error, error_uri and\n"
        "scope must use the characters RFC 6750 allows (they are refused otherwise); the\n"
        "description is human text, and characters it may not hold are replaced. At least\n"
        "one parameter is needed.",
        "JSON: command verdict header value | error{name message}\n"
        "exit status: 0 written, 1 refused, 2 usage error\n"
        "example:\n"
        "  apiauth challenge bearer --realm example --error invalid_token --description 'The token expired'",
        [&ctx, bearer] {
            report r{ctx, "challenge bearer"};
            const http::bearer_challenge c{.realm = bearer->realm,
                                           .error = bearer->error,
                                           .error_description = bearer->description,
                                           .error_uri = bearer->uri,
                                           .scope = bearer->scope};
            return print_written(r, http::write_bearer_challenge(c));
        });
    e->add_option("--realm", bearer->realm, "realm=\"R\"")->type_name("R");
    e->add_option("--error", bearer->error, "error=\"E\" (invalid_request, invalid_token, insufficient_scope)")
        ->type_name("E");
    e->add_option("--description", bearer->description, "error_description=\"D\"")->type_name("D");
    e->add_option("--uri", bearer->uri, "error_uri=\"U\"")->type_name("U");
    e->add_option("--scope", bearer->scope, "scope=\"S\" (space-separated scope tokens)")->type_name("S");
}

}  // namespace apiauth_cli
