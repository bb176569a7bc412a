// apiauth/detail/wiped_buffer.hpp — one heap buffer that a parsed request decodes its values
// into (so that a request costs one allocation, not one per value), wiped when it goes.
#ifndef APIAUTH_DETAIL_WIPED_BUFFER_HPP
#define APIAUTH_DETAIL_WIPED_BUFFER_HPP

#include <apiauth/config.hpp>
#include <apiauth/detail/bytes.hpp>

#include <cstddef>
#include <cstring>
#include <new>
#include <string_view>

namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail {

// A fixed-capacity buffer filled front to back, optionally with an array of string views at
// its front (a request's list of values, viewing into the octets after it). Views of what was
// appended stay valid while the buffer lives, including after a move (the heap block moves,
// not the octets). The whole block is wiped on destruction and before a move-assignment
// replaces it.
class wiped_buffer {
public:
    wiped_buffer() noexcept = default;
    wiped_buffer(const wiped_buffer&) = delete;
    wiped_buffer& operator=(const wiped_buffer&) = delete;
    wiped_buffer(wiped_buffer&& o) noexcept : p_(o.p_), cap_(o.cap_), used_(o.used_)
    {
        o.p_ = nullptr;
        o.cap_ = o.used_ = 0;
    }
    wiped_buffer& operator=(wiped_buffer&& o) noexcept
    {
        if (this != &o) {
            release();
            p_ = o.p_;
            cap_ = o.cap_;
            used_ = o.used_;
            o.p_ = nullptr;
            o.cap_ = o.used_ = 0;
        }
        return *this;
    }
    ~wiped_buffer() { release(); }

    // Makes room for `views` string views and then `octets` octets (wiping what was there).
    // False when out of memory. The block comes from operator new, which aligns it for the
    // views and implicitly creates the array they live in (C++20 [intro.object]/10).
    bool reserve(std::size_t octets, std::size_t views = 0) noexcept
    {
        release();
        const std::size_t n = views * sizeof(std::string_view) + octets;
        if (n == 0) return true;
        p_ = static_cast<char*>(::operator new(n, std::nothrow));
        if (p_ == nullptr) return false;
        cap_ = n;
        used_ = views * sizeof(std::string_view);
        return true;
    }
    // The views reserved at the front (uninitialized until the caller assigns them).
    std::string_view* views() noexcept { return reinterpret_cast<std::string_view*>(p_); }
    // The room left, to be written by the caller and then kept with commit().
    char* tail() noexcept { return p_ + used_; }
    std::size_t available() const noexcept { return cap_ - used_; }
    // Keeps the next `n` octets written at tail(); returns a view of them.
    std::string_view commit(std::size_t n) noexcept
    {
        const std::string_view v(p_ + used_, n);
        used_ += n;
        return v;
    }
    // Copies `s` in; an empty view when it does not fit (callers size the buffer first).
    std::string_view append(std::string_view s) noexcept
    {
        if (s.size() > available()) return {};
        if (!s.empty()) std::memcpy(tail(), s.data(), s.size());
        return commit(s.size());
    }

private:
    void release() noexcept
    {
        if (p_ != nullptr) {
            wipe(p_, cap_);
            ::operator delete(p_);
        }
        p_ = nullptr;
        cap_ = used_ = 0;
    }
    char* p_ = nullptr;
    std::size_t cap_ = 0, used_ = 0;
};

}  // namespace apiauth::inline APIAUTH_ABI_NAMESPACE::detail

#endif  // APIAUTH_DETAIL_WIPED_BUFFER_HPP
