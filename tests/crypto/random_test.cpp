// Tests for apiauth/crypto/random.hpp.
#include <apiauth/crypto/random.hpp>

#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <set>
#include <string>
#include <vector>

namespace crypto_random_test {

namespace crypto = apiauth::crypto;

TEST_CASE("random_bytes fills the buffer with fresh bytes", "[crypto][random]")
{
    std::array<std::byte, 32> a{}, b{};
    REQUIRE(crypto::random_bytes(a));
    REQUIRE(crypto::random_bytes(b));
    CHECK(a != b);
    CHECK(a != std::array<std::byte, 32>{});
    REQUIRE(crypto::random_bytes(std::span<std::byte>{}));  // empty is fine

    // Every byte value shows up in 64 KiB (a broken fill would leave zeros).
    std::vector<std::byte> big(65536);
    REQUIRE(crypto::random_bytes(big));
    std::set<std::byte> seen(big.begin(), big.end());
    CHECK(seen.size() == 256);
}

TEST_CASE("random_bytes after fork(): the child never repeats the parent's output", "[crypto][random][fork]")
{
    std::array<std::byte, 32> warm{};
    REQUIRE(crypto::random_bytes(warm));  // DRBG instantiated before fork
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        std::array<std::byte, 32> child{};
        const bool ok = static_cast<bool>(crypto::random_bytes(child));
        const ssize_t w = write(fds[1], child.data(), child.size());
        _exit(ok && w == 32 ? 0 : 1);
    }
    close(fds[1]);
    std::array<std::byte, 32> parent{}, child{};
    REQUIRE(crypto::random_bytes(parent));
    REQUIRE(read(fds[0], child.data(), child.size()) == 32);
    close(fds[0]);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    CHECK(parent != child);
}

}  // namespace crypto_random_test
