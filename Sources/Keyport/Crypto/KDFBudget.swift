// The key-derivation work of a whole run, bounded as one key's is.
//
// `KDFLimits` bounds what one key may ask for, but a file may hold many keys (a PEM file of 3,500
// encrypted PKCS#8 blocks fits in 1 MiB) and a run may read many files: at 10,000,000 PBKDF2
// iterations a block, ten blocks took 37 s and a 1 MiB file would take hours. So the bound holds per
// run: each unlock is charged its share of its KDF's bound (10,000,000 PBKDF2 iterations, 65,536
// bcrypt rounds, 64 GiB·passes of Argon2, 2^24 scrypt N·r·p), and once the shares of a run would
// pass one whole bound, further unlocks are refused before any work, with a message saying why.
// A run may thus unlock one key at the bound, or 16 keys of 600,000 PBKDF2 iterations, or 4,096
// keys of ssh-keygen's 16 bcrypt rounds.
//
// A "run" is what the caller scopes with `KDFLimits.$runBudget.withValue(KDFBudget()) { ... }`: the
// command-line tool wraps each command in one. Without a budget (library callers that do not set
// one) only the per-key bounds apply.

import Synchronization

/// The key-derivation work one run may still spend, shared by every unlock of the run.
public final class KDFBudget: Sendable {
    /// What the run may spend, in bounds: 1 is the work of one key at the largest cost `KDFLimits`
    /// accepts for its KDF.
    public let limit: Double
    private let used = Mutex(0.0)

    /// A budget of `limit` bounds (one, unless a caller has reason to allow more).
    public init(limit: Double = 1) {
        self.limit = limit
    }

    /// The share of the budget spent so far, in bounds.
    public var spent: Double { used.withLock { $0 } }

    /// Takes `share` from the budget, or throws `costRefused` and takes nothing.
    func spend(_ share: Double, on kdf: KDF) throws {
        try used.withLock { used in
            // A little slack so that shares adding up to exactly one bound are not refused by rounding.
            guard used + share <= limit + 1e-9 else {
                throw KeyportError.unsupported("\(KDFLimits.describe(kdf)): not run: this run has spent its key-derivation budget (the work of one key at keyport's limits per run, see \"Robustness\" in the README); open fewer encrypted keys per run", reason: .kdfBudgetSpent)
            }
            used += share
        }
    }
}

extension KDFLimits {
    /// The budget of the current run, consulted by every `KeyFile.unlock`; nil (the default) leaves
    /// only the per-key bounds.
    @TaskLocal public static var runBudget: KDFBudget?

    /// The work `kdf` asks for as a share of its KDF's bound (1 = a key at the bound); 0 for the
    /// KDFs of negligible cost (PPK v2's SHA-1, legacy PEM's one MD5 round) and for none.
    public static func share(of kdf: KDF) -> Double {
        switch kdf {
        case let .bcrypt(rounds, _):
            return Double(rounds) / Double(bcryptRounds)
        case let .argon2(a):
            return Double(a.memory) * Double(a.passes) / Double(argon2Work)
        case let .pbkdf2(_, iterations, _), let .pbes1(_, iterations, _), let .pkcs12(iterations, _):
            return iterations.map { Double($0) / Double(pbkdf2Iterations) } ?? .infinity
        case let .scrypt(n, r, p, _):
            guard let n, let r, let p else { return .infinity }
            return Double(n) * Double(r) * Double(p) / Double(scryptWork)
        case .none, .ppkV2SHA1, .legacyMD5, .other:
            return 0
        }
    }

    /// Charges an unlock with `kdf` to the run's budget, if there is one. A cost above the per-key
    /// bound is left to the format's own check, which names the bound.
    static func spend(on kdf: KDF) throws {
        guard let budget = runBudget else { return }
        let share = share(of: kdf)
        guard share > 0, share <= 1 else { return }
        try budget.spend(share, on: kdf)
    }

    /// "PBKDF2-HMAC-SHA256 with 10000000 iterations", for messages.
    static func describe(_ kdf: KDF) -> String {
        func count(_ n: Int?) -> String { n.map(String.init) ?? "?" }
        switch kdf {
        case let .bcrypt(rounds, _): return "bcrypt_pbkdf with \(rounds) rounds"
        case let .argon2(a): return "\(kdf.name) with \(a.memory) KiB × \(a.passes) passes"
        case let .pbkdf2(_, iterations, _), let .pbes1(_, iterations, _), let .pkcs12(iterations, _):
            return "\(kdf.name) with \(count(iterations)) iterations"
        case let .scrypt(n, r, p, _): return "scrypt with N=\(count(n)) r=\(count(r)) p=\(count(p))"
        case .none, .ppkV2SHA1, .legacyMD5, .other: return kdf.name
        }
    }
}
