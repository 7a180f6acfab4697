// Signal handlers for keyport: see include/keyport_sys.h. Everything a handler touches is a
// static buffer or a sig_atomic_t flag, and it calls only async-signal-safe functions (unlink,
// tcsetattr, write, signal, sigprocmask, raise, _exit).
#define _GNU_SOURCE
#include "keyport_sys.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int keyport_o_tmpfile(void) {
#ifdef O_TMPFILE
    return O_TMPFILE;
#else
    return 0;
#endif
}

int keyport_link_unnamed(int fd, const char *path) {
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0) return 0;
    if (errno != ENOENT) return -1;
    return linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH);
}

#define SLOTS 4
static char pending[SLOTS][PATH_MAX];
static volatile sig_atomic_t pending_used[SLOTS];

static volatile sig_atomic_t tty_active;
static int tty_fd = -1;
static struct termios tty_saved, tty_quiet;
static char tty_prompt[1024];

static const int fatal_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
static const int stop_signals[] = {SIGTSTP, SIGTTIN, SIGTTOU};
static pthread_once_t installed = PTHREAD_ONCE_INIT;

static void reraise(int sig) {
    signal(sig, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    raise(sig);
}

static void on_fatal(int sig) {
    if (tty_active) {
        tcsetattr(tty_fd, TCSAFLUSH, &tty_saved);
        (void)!write(tty_fd, "\n", 1);
    }
    for (int i = 0; i < SLOTS; i++) {
        if (pending_used[i]) unlink(pending[i]);
    }
    // Die of the signal itself, so the parent sees what happened (a shell prints nothing, exit 130).
    reraise(sig);
}

static void install(int sig, void (*handler)(int), int flags);

static void on_stop(int sig) {
    int saved_errno = errno;
    if (tty_active) tcsetattr(tty_fd, TCSAFLUSH, &tty_saved);
    reraise(sig);
    // Continued (SIGCONT): catch the next stop again and hide the typing again.
    install(sig, on_stop, SA_RESTART);
    if (tty_active) {
        tcsetattr(tty_fd, TCSAFLUSH, &tty_quiet);
        (void)!write(tty_fd, tty_prompt, strlen(tty_prompt));
    }
    errno = saved_errno;
}

static void install(int sig, void (*handler)(int), int flags) {
    struct sigaction old, sa;
    // A signal the caller chose to ignore (nohup, a background job's SIGINT) stays ignored.
    if (sigaction(sig, NULL, &old) != 0 || old.sa_handler == SIG_IGN) return;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    // While one handler runs, the others wait; SIGTTOU too, so tcsetattr works from the background.
    for (unsigned i = 0; i < sizeof fatal_signals / sizeof *fatal_signals; i++) sigaddset(&sa.sa_mask, fatal_signals[i]);
    for (unsigned i = 0; i < sizeof stop_signals / sizeof *stop_signals; i++) sigaddset(&sa.sa_mask, stop_signals[i]);
    sigaction(sig, &sa, NULL);
}

static void install_all(void) {
    for (unsigned i = 0; i < sizeof fatal_signals / sizeof *fatal_signals; i++) install(fatal_signals[i], on_fatal, 0);
    for (unsigned i = 0; i < sizeof stop_signals / sizeof *stop_signals; i++) install(stop_signals[i], on_stop, SA_RESTART);
}

int keyport_pending_add(const char *path) {
    pthread_once(&installed, install_all);
    size_t length = strlen(path);
    if (length >= PATH_MAX) return -1;
    for (int i = 0; i < SLOTS; i++) {
        if (pending_used[i]) continue;
        memcpy(pending[i], path, length + 1);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        pending_used[i] = 1;
        return i;
    }
    return -1;
}

void keyport_pending_remove(int slot) {
    if (slot >= 0 && slot < SLOTS) pending_used[slot] = 0;
}

void keyport_tty_guard(int fd, const struct termios *saved, const struct termios *quiet, const char *prompt) {
    pthread_once(&installed, install_all);
    tty_fd = fd;
    tty_saved = *saved;
    tty_quiet = *quiet;
    size_t length = strlen(prompt);
    if (length >= sizeof tty_prompt) length = sizeof tty_prompt - 1;
    memcpy(tty_prompt, prompt, length);
    tty_prompt[length] = 0;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    tty_active = 1;
    // A mask inherited from the parent (a worker thread of a test runner or supervisor blocks
    // SIGINT/SIGTERM, and the mask survives exec) would leave a no-echo prompt that Ctrl-C cannot
    // end: while the terminal is ours, the signals we restore it on are let through.
    sigset_t set;
    sigemptyset(&set);
    for (unsigned i = 0; i < sizeof fatal_signals / sizeof *fatal_signals; i++) sigaddset(&set, fatal_signals[i]);
    for (unsigned i = 0; i < sizeof stop_signals / sizeof *stop_signals; i++) sigaddset(&set, stop_signals[i]);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

void keyport_tty_release(void) { tty_active = 0; }

// A fault in keyport itself. The Swift runtime's backtracer would print the registers and the
// memory they point to (perhaps a key) to stderr: instead, one line and exit 70, after the
// terminal and any temporary file are put right as for SIGINT.
static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGABRT};
static char crash_stack[65536];

static void on_crash(int sig) {
    if (tty_active) tcsetattr(tty_fd, TCSAFLUSH, &tty_saved);
    for (int i = 0; i < SLOTS; i++) {
        if (pending_used[i]) unlink(pending[i]);
    }
    char line[64] = "keyport: internal error (signal ";
    size_t n = strlen(line);
    char digits[12];
    int d = 0;
    for (unsigned v = (unsigned)sig; d == 0 || v > 0; v /= 10) digits[d++] = (char)('0' + v % 10);
    while (d > 0) line[n++] = digits[--d];
    line[n++] = ')';
    line[n++] = '\n';
    (void)!write(STDERR_FILENO, line, n);
    _exit(70);
}

void keyport_crash_guard(void) {
    // Its own stack, so that a stack overflow still reaches the handler.
    stack_t alt;
    memset(&alt, 0, sizeof alt);
    alt.ss_sp = crash_stack;
    alt.ss_size = sizeof crash_stack;
    int flags = sigaltstack(&alt, NULL) == 0 ? SA_ONSTACK : 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_crash;
    sa.sa_flags = flags;
    sigfillset(&sa.sa_mask);
    sigset_t set;
    sigemptyset(&set);
    for (unsigned i = 0; i < sizeof crash_signals / sizeof *crash_signals; i++) {
        sigaction(crash_signals[i], &sa, NULL);
        sigaddset(&set, crash_signals[i]);
    }
    // A mask inherited from the parent must not turn a fault into a silent kill by the kernel.
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

static sigset_t blocked_before;

void keyport_signals_block(void) {
    sigset_t set;
    sigemptyset(&set);
    for (unsigned i = 0; i < sizeof fatal_signals / sizeof *fatal_signals; i++) sigaddset(&set, fatal_signals[i]);
    pthread_sigmask(SIG_BLOCK, &set, &blocked_before);
}

void keyport_signals_unblock(void) { pthread_sigmask(SIG_SETMASK, &blocked_before, NULL); }

// Vector registers keep what the last string function moved through them (memcpy and memcmp use
// them), and lazy symbol binding during exit spills every one of them to the stack
// (_dl_runtime_resolve_xsavec), where a core dump finds it: 64 bytes of an RSA prime were seen so
// (SecretsAtExitTests). So the last exit handler clears them: the calls that follow (OpenSSL's and
// the Swift runtime's clean-up, the loader's destructors) bring no key material back. SecureBytes
// also clears them after every access, for the threads created meanwhile (a new thread inherits
// the registers and spills them at its first lazy binding).
#if defined(__x86_64__)
__attribute__((target("avx512f"))) static void clear_avx512_high(void) {
    __asm__ volatile(
        "vpxord %%zmm16, %%zmm16, %%zmm16\n\t"
        "vpxord %%zmm17, %%zmm17, %%zmm17\n\t"
        "vpxord %%zmm18, %%zmm18, %%zmm18\n\t"
        "vpxord %%zmm19, %%zmm19, %%zmm19\n\t"
        "vpxord %%zmm20, %%zmm20, %%zmm20\n\t"
        "vpxord %%zmm21, %%zmm21, %%zmm21\n\t"
        "vpxord %%zmm22, %%zmm22, %%zmm22\n\t"
        "vpxord %%zmm23, %%zmm23, %%zmm23\n\t"
        "vpxord %%zmm24, %%zmm24, %%zmm24\n\t"
        "vpxord %%zmm25, %%zmm25, %%zmm25\n\t"
        "vpxord %%zmm26, %%zmm26, %%zmm26\n\t"
        "vpxord %%zmm27, %%zmm27, %%zmm27\n\t"
        "vpxord %%zmm28, %%zmm28, %%zmm28\n\t"
        "vpxord %%zmm29, %%zmm29, %%zmm29\n\t"
        "vpxord %%zmm30, %%zmm30, %%zmm30\n\t"
        "vpxord %%zmm31, %%zmm31, %%zmm31\n\t"
        ::: "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23", "xmm24", "xmm25", "xmm26", "xmm27", "xmm28", "xmm29", "xmm30", "xmm31");
}

__attribute__((target("avx"))) static void clear_avx(void) {
    __asm__ volatile("vzeroall" ::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
}

static void clear_sse(void) {
    __asm__ volatile(
        "pxor %%xmm0, %%xmm0\n\t"
        "pxor %%xmm1, %%xmm1\n\t"
        "pxor %%xmm2, %%xmm2\n\t"
        "pxor %%xmm3, %%xmm3\n\t"
        "pxor %%xmm4, %%xmm4\n\t"
        "pxor %%xmm5, %%xmm5\n\t"
        "pxor %%xmm6, %%xmm6\n\t"
        "pxor %%xmm7, %%xmm7\n\t"
        "pxor %%xmm8, %%xmm8\n\t"
        "pxor %%xmm9, %%xmm9\n\t"
        "pxor %%xmm10, %%xmm10\n\t"
        "pxor %%xmm11, %%xmm11\n\t"
        "pxor %%xmm12, %%xmm12\n\t"
        "pxor %%xmm13, %%xmm13\n\t"
        "pxor %%xmm14, %%xmm14\n\t"
        "pxor %%xmm15, %%xmm15\n\t"
        ::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
}
#endif

void keyport_clear_vector_registers(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx")) clear_avx(); else clear_sse();
    if (__builtin_cpu_supports("avx512f")) clear_avx512_high();
#elif defined(__aarch64__)
    // v8-v15 (their low halves) are callee-saved and left alone; the rest are zeroed.
    __asm__ volatile(
        "movi v0.16b, #0\n\t" "movi v1.16b, #0\n\t" "movi v2.16b, #0\n\t" "movi v3.16b, #0\n\t"
        "movi v4.16b, #0\n\t" "movi v5.16b, #0\n\t" "movi v6.16b, #0\n\t" "movi v7.16b, #0\n\t"
        "movi v16.16b, #0\n\t" "movi v17.16b, #0\n\t" "movi v18.16b, #0\n\t" "movi v19.16b, #0\n\t"
        "movi v20.16b, #0\n\t" "movi v21.16b, #0\n\t" "movi v22.16b, #0\n\t" "movi v23.16b, #0\n\t"
        "movi v24.16b, #0\n\t" "movi v25.16b, #0\n\t" "movi v26.16b, #0\n\t" "movi v27.16b, #0\n\t"
        "movi v28.16b, #0\n\t" "movi v29.16b, #0\n\t" "movi v30.16b, #0\n\t" "movi v31.16b, #0"
        ::: "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v16", "v17", "v18", "v19", "v20", "v21", "v22",
            "v23", "v24", "v25", "v26", "v27", "v28", "v29", "v30", "v31");
#endif
}

void keyport_exit_guard(void) {
    atexit(keyport_clear_vector_registers);
}

void keyport_return_free_memory(void) {
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

__attribute__((noinline)) void keyport_burn_stack(size_t bytes) {
    // Registers first: a call that binds a symbol lazily saves every vector register on the stack,
    // below the area wiped here, where nothing would wipe it again.
    keyport_clear_vector_registers();
    volatile unsigned char *area = __builtin_alloca(bytes);
    // A loop of volatile stores rather than a library call: nothing is called from down here.
    for (size_t i = 0; i < bytes; i++) area[i] = 0;
    __asm__ volatile("" : : "r"(area) : "memory");
}
