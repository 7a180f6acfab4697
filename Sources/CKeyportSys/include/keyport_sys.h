#ifndef KEYPORT_SYS_H
#define KEYPORT_SYS_H
// What keyport needs from the system that Swift cannot do safely itself: signal handlers (which
// may only call async-signal-safe functions, so they are written in C) that remove a temporary
// file holding a private key and restore the terminal before the process ends or stops, and the
// Linux O_TMPFILE flag (a macro Swift does not import).

#include <stddef.h>
#include <stdint.h>
#include <termios.h>

/// O_TMPFILE where the platform has it (an unnamed file in a directory, given a name only by
/// linkat), else 0.
int keyport_o_tmpfile(void);

/// Gives the unnamed (O_TMPFILE) file `fd` the name `path` with linkat(2): through /proc/self/fd
/// (any user), else AT_EMPTY_PATH (which needs CAP_DAC_READ_SEARCH). 0, or -1 with errno
/// (EEXIST when `path` exists: nothing is ever replaced).
int keyport_link_unnamed(int fd, const char *path);

/// Remembers `path` (copied) to be unlinked if SIGINT, SIGTERM, SIGHUP or SIGQUIT ends the
/// process; returns a slot for keyport_pending_remove, or -1 when all slots are taken.
int keyport_pending_add(const char *path);
/// Forgets the path in `slot` (the file was renamed into place or removed).
void keyport_pending_remove(int slot);

/// While a passphrase is read with echo off on `fd`: a signal that ends the process restores
/// `saved` first; SIGTSTP, SIGTTIN and SIGTTOU restore it before stopping and, on SIGCONT, set
/// `quiet` again and write `prompt` again (as OpenSSH's readpassphrase does).
void keyport_tty_guard(int fd, const struct termios *saved, const struct termios *quiet, const char *prompt);
/// The terminal is back as it was: signals no longer touch it.
void keyport_tty_release(void);

/// Replaces the Swift runtime's crash handlers (its backtracer prints registers and the memory
/// they point to, which may hold key material) for SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE and
/// SIGABRT: the handler restores the terminal, removes pending temporary files, writes
/// "keyport: internal error (signal N)" to stderr and exits with 70. Call first thing in main.
void keyport_crash_guard(void);

/// Clears the vector registers (SSE, AVX, AVX-512) in the last exit handler, so that what string
/// functions left there (key bytes) is not spilled to the stack while the process exits. Call
/// first thing in main, before anything registers exit handlers of its own.
void keyport_exit_guard(void);

/// Blocks SIGINT, SIGTERM, SIGHUP and SIGQUIT in this thread around a step that must not be cut
/// in two (creating a file and registering it); keyport_signals_unblock delivers what came meanwhile.
void keyport_signals_block(void);
void keyport_signals_unblock(void);

/// Returns memory that malloc holds free to the system (glibc's malloc_trim(0)); nothing elsewhere.
void keyport_return_free_memory(void);

/// Zeroes the vector registers (SSE/AVX/AVX-512 on x86-64, NEON on arm64) after a secret went
/// through them: memcpy and the ciphers move data through these registers, and what they leave
/// there is copied to memory later (a new thread inherits the registers, lazy symbol binding saves
/// them all on the stack, a core dump records them). A plain function call: every vector register
/// is caller-saved, so nothing the caller holds is lost.
void keyport_clear_vector_registers(void);

/// Zeroes `bytes` of this thread's stack below the caller's frame, then the vector registers: for a
/// worker thread that handled secrets in deep library frames (libcrypto's Montgomery arithmetic
/// keeps operands, a prime among them, in stack temporaries) and lives on until exit.
void keyport_burn_stack(size_t bytes);

/// Decodes base64 from `src` (`length` bytes) into `dst` in blocks of 16 alphabet characters (four
/// quanta, 12 bytes), stopping before the first block that holds any other byte, when fewer than 16
/// bytes are left, or when fewer than 16 bytes of `room` are left at `dst` (each block stores 16,
/// the last 4 of them scratch). Returns the number of quanta decoded: 4 characters read and 3 bytes
/// written each. 0 where the CPU has no SSSE3 (the caller's scalar loop does the rest).
size_t keyport_base64_decode_quanta(const uint8_t *src, size_t length, uint8_t *dst, size_t room);

#endif
