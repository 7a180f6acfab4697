// Loads every key file below a directory, prints type, bits and SHA-256 fingerprint of each key,
// then lints them all in one run (so keys that share an RSA prime across files are caught too).
//
//   swift run --package-path Examples/FingerprintDirectory FingerprintDirectory ~/.ssh
//
// Exit status: 0 when no finding is an error under the default policy, 1 otherwise, 64 for usage.

import Foundation
import Keyport

let arguments = CommandLine.arguments.dropFirst()
guard arguments.count == 1, let directory = arguments.first else {
    FileHandle.standardError.write(Data("usage: FingerprintDirectory DIRECTORY\n".utf8))
    exit(64)
}

// Regular files below the directory, in a stable order.
var paths: [String] = []
if let walker = FileManager.default.enumerator(atPath: directory) {
    for case let relative as String in walker {
        let path = (directory as NSString).appendingPathComponent(relative)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
            paths.append(path)
        }
    }
}
paths.sort()

var keyFiles: [String] = []
for path in paths {
    let documents: [KeyDocument]
    do {
        documents = try KeyFile.load(path: path)
    } catch KeyportError.unrecognizedFormat {
        continue // not a key file: skip quietly
    } catch {
        print("\(path): \(error)")
        continue
    }
    keyFiles.append(path)
    for document in documents {
        // Locked PEM files encrypt the public half too; everything else shows it without a passphrase.
        guard let key = document.publicKey else {
            print("\(path): encrypted \(document.format.displayName), public key unknown without the passphrase")
            continue
        }
        let state = document.isLocked ? "encrypted " : ""
        print("\(key.displayType) \(key.bits) \(key.fingerprint()) \(path)\(document.line.map { ":\($0)" } ?? "") [\(state)\(document.format.rawValue)]")
    }
}

let policy = Policy() // 2048-bit RSA minimum, NIST curves, errors fail
let findings = (try? Linter(policy: policy).lint(paths: keyFiles)) ?? []
for finding in findings {
    print("\(finding.file)\(finding.line.map { ":\($0)" } ?? ""): \(finding.severity.rawValue) \(finding.ruleID): \(finding.message)")
}
print("\(keyFiles.count) key files, \(findings.count) findings")
exit(policy.fails(findings) ? 1 : 0)
