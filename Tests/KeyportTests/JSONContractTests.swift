import Foundation
import Testing
@testable import Keyport

/// The JSON contract (schema/keyport.schema.json): every fixture through every JSON-printing
/// command validates, the schema lists every enumerated value the code can print, and the
/// conventions it states (numbers, booleans, null, arrays, one name for stdin) hold.
@Suite struct JSONContractTests {
    static var schema: [String: Any] {
        let url = JSONContract.repository.appendingPathComponent("schema/keyport.schema.json")
        return (try? JSONSerialization.jsonObject(with: Data(contentsOf: url))) as? [String: Any] ?? [:]
    }

    static func definition(_ name: String) -> [String: Any] {
        ((schema["$defs"] as? [String: Any])?[name] as? [String: Any]) ?? [:]
    }

    static func enumeration(_ name: String) -> Set<String> {
        Set((definition(name)["enum"] as? [String]) ?? [])
    }

    /// Every key file under Fixtures/ (not the scripts and manifests).
    static var fixtureFiles: [String] {
        let skip: Set<String> = ["make.sh", "MANIFEST", "manifest.txt", "expected.txt", "passphrase.txt"]
        let enumerator = FileManager.default.enumerator(atPath: fixturesURL.path)
        var files: [String] = []
        while let name = enumerator?.nextObject() as? String {
            let url = fixturesURL.appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                  !skip.contains(url.lastPathComponent) else { continue }
            files.append(url.path)
        }
        return files.sorted()
    }

    static func objects(_ output: String) -> [[String: Any]] {
        output.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    @Test func schemaIsVersionedAndListsEveryEnumeratedValue() throws {
        let id = try #require(Self.schema["$id"] as? String)
        #expect(id.contains("keyport-1."), "the schema's $id carries its version")
        #expect(Self.enumeration("format") == Set(FormatID.allCases.map(\.rawValue)))
        var types = Set(KeyAlgorithm.allCases.map(\.sshName))
        types.formUnion(KeyAlgorithm.allCases.compactMap(\.certificateName))
        #expect(types.isSubset(of: Self.enumeration("keyType")), "missing: \(types.subtracting(Self.enumeration("keyType")))")
        #expect(Self.enumeration("severity") == Set(Severity.allCases.map(\.rawValue)))
        #expect(Self.enumeration("rule") == Set(LintRegistry.all.map(\.id)))
        let lintRule = try #require((Self.definition("lintRule")["properties"] as? [String: Any])?["category"] as? [String: Any])
        #expect(Set(lintRule["enum"] as? [String] ?? []) == Set(RuleCategory.allCases.map(\.rawValue)))
    }

    /// Every fixture through inspect, fingerprint (plain, -E sha1/sha512, -v) and lint, with and
    /// without the passphrase, from a file and from standard input: one validator run per kind.
    @Test func everyFixtureThroughEveryCommandValidates() throws {
        let dir = try TempDir()
        let pass = try dir.write("pass", "fixture pass\n")
        let ppkPass = fixturesURL.appendingPathComponent("ppk/passphrase.txt").path
        var outputs: [String: Data] = [:]
        var runs = 0
        for file in Self.fixtureFiles {
            let passphrase = file.hasSuffix(".ppk") ? ppkPass : pass
            let commands: [(String, [String])] = [
                ("inspect", ["inspect", "--json", file]),
                ("inspect", ["inspect", "--json", "--passphrase-file", passphrase, file]),
                ("fingerprint", ["fingerprint", "--json", file]),
                ("fingerprint", ["fingerprint", "--json", "-E", "sha512", "-v", "--passphrase-file", passphrase, file]),
                ("fingerprint", ["fingerprint", "--json", "-E", "sha1", "-"]),
                ("lint", ["lint", "--format", "json", file]),
            ]
            for (kind, arguments) in commands {
                let stdin = arguments.last == "-" ? try Data(contentsOf: URL(fileURLWithPath: file)) : nil
                let out = try Tool.run(Tool.keyportPath, arguments, stdin: stdin)
                #expect(out.status != 70 && out.status < 128, "keyport \(arguments): exit \(out.status) \(out.stderr)")
                outputs[kind, default: Data()].append(out.stdoutBytes)
                runs += 1
            }
        }
        let rules = try Tool.run(Tool.keyportPath, ["lint", "--list-rules", "--format", "json"])
        // lint --list-rules --format json (engineer lintcli) joins the sweep once it prints JSON.
        if rules.status == 0, rules.stdout.hasPrefix("{") { outputs["lintRule"] = rules.stdoutBytes }
        #expect(runs > 100)
        for (kind, data) in outputs.sorted(by: { $0.key < $1.key }) {
            #expect(!data.isEmpty, "\(kind): no output at all")
            // lint's output of many runs is many runs' lines: each run's summary ends its block.
            let problems = try JSONContract.problems(data, kind: kind == "lint" ? "any" : kind)
            #expect(problems.isEmpty, "\(kind):\n\(problems)")
        }
    }

    /// The validator is real: it refuses what the schema forbids.
    @Test func validatorRefusesWrongTypes() throws {
        let good = #"{"file":"k.pub","line":1,"type":"ssh-ed25519","bits":256,"comment":"","sha256":"SHA256:zG/BKr8cF53IIR4hOP04CkrYlZOZJuJ3fjVS8yPAIIU","md5":"MD5:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff","format":"openssh-public"}"#
        #expect(try JSONContract.problems(Data((good + "\n").utf8), kind: "fingerprint").isEmpty)
        for bad in [good.replacingOccurrences(of: #""bits":256"#, with: #""bits":"256""#),
                    good.replacingOccurrences(of: #""format":"openssh-public""#, with: #""format":"pub""#),
                    good.replacingOccurrences(of: #""line":1"#, with: #""line":0"#),
                    good.replacingOccurrences(of: "}", with: #","hosts":"a,b"}"#)] {
            #expect(try !JSONContract.problems(Data((bad + "\n").utf8), kind: "fingerprint").isEmpty, "accepted: \(bad)")
        }
    }

    @Test func typedValuesNullsAndArrays() throws {
        let authorized = fixturesURL.appendingPathComponent("public/authorized_keys").path
        let known = fixturesURL.appendingPathComponent("public/known_hosts").path
        for command in ["inspect", "fingerprint"] {
            let keys = Self.objects(try Tool.keyport([command, "--json", authorized]).stdout)
            let first = try #require(keys.first)
            #expect(first["options"] as? [String] == [#"command="echo \"hi there\"""#, "no-pty", #"from="10.0.0.0/8,!10.1.*""#])
            #expect(first["line"] as? Int == 3)
            // The format of each line: options make it an authorized_keys line.
            #expect(keys.map { $0["format"] as? String }.contains("openssh-public") && first["format"] as? String == "authorized_keys")
            let hosts = Self.objects(try Tool.keyport([command, "--json", known]).stdout)
            #expect(hosts.first?["hosts"] as? [String] == ["host1", "host2"])
            #expect(hosts.contains { $0["marker"] as? String == "@cert-authority" })
        }
        // A PPK: numbers for the KDF, no repetition of cipher/kdf in details, whole-file line null.
        let ppk = fixturesURL.appendingPathComponent("ppk/ed25519-v3-argon2id.ppk").path
        let object = try #require(Self.objects(try Tool.keyport(["inspect", "--json", ppk]).stdout).first)
        #expect(object["line"] is NSNull)
        #expect(object["format_version"] as? Int == 3)
        let parameters = try #require(object["kdf_parameters"] as? [String: Any])
        #expect(parameters["memory"] is Int && parameters["passes"] is Int && parameters["parallelism"] is Int)
        let details = object["details"] as? [String: Any] ?? [:]
        #expect(details.keys.allSatisfy { !["cipher", "kdf", "encryption", "encrypted", "ppk_version"].contains($0) && !$0.hasPrefix("argon2") })
        // Unencrypted: no cipher and no KDF (null, not "none"); PEM has no comment (null).
        let pem = fixturesURL.appendingPathComponent("pem/ed25519-pkcs8.pem").path
        let plain = try #require(Self.objects(try Tool.keyport(["inspect", "--json", pem]).stdout).first)
        #expect(plain["cipher"] is NSNull && plain["kdf"] is NSNull && plain["kdf_parameters"] is NSNull)
        #expect(plain["comment"] is NSNull)
        #expect(plain["encrypted"] as? Bool == false && plain["private"] as? Bool == true)
    }

    /// Standard input has one name, "(stdin)", in JSON, in text and in messages.
    @Test func standardInputIsNamedAlikeEverywhere() throws {
        let key = try Data(contentsOf: fixturesURL.appendingPathComponent("public/ed25519.pub"))
        let fingerprint = try Tool.keyport(["fingerprint", "--json", "-"], stdin: key)
        #expect(Self.objects(fingerprint.stdout).first?["file"] as? String == "(stdin)")
        let inspect = try Tool.keyport(["inspect", "--json", "-"], stdin: key)
        #expect(Self.objects(inspect.stdout).first?["file"] as? String == "(stdin)")
        let text = try Tool.keyport(["inspect", "-"], stdin: key)
        #expect(text.stdout.hasPrefix("(stdin):1\n"))
        let bad = try Tool.keyport(["fingerprint", "-"], stdin: Data("ssh-ed25519 AAAA\n".utf8))
        #expect(bad.stderr.contains("(stdin):1:"))
    }

    /// Options are honoured with --json, not ignored: -E adds that hash (SHA-256 is always
    /// there, no other hash is unless asked for), -v adds the randomart.
    @Test func hashAndVerboseAreHonouredInJSON() throws {
        let pub = fixturesURL.appendingPathComponent("public/rsa-2048.pub").path
        let plain = try #require(Self.objects(try Tool.keyport(["fingerprint", "--json", pub]).stdout).first)
        #expect(plain["sha256"] is String)
        for other in ["md5", "sha1", "sha512", "spki_sha256", "aws_md5", "aws_sha1", "randomart"] {
            #expect(plain[other] == nil, "\(other) without asking for it")
        }
        for hash in ["sha1", "sha512", "SHA512", "md5"] {
            let out = try Tool.keyport(["fingerprint", "--json", "-E", hash, pub])
            let object = try #require(Self.objects(out.stdout).first)
            let text = try Tool.keyport(["fingerprint", "-E", hash, pub]).stdout
            let field = hash.lowercased()
            let value = try #require(object[field] as? String, "no \(field) with -E \(hash)")
            #expect(text.contains(" \(value) "))
        }
        let verbose = try Tool.keyport(["fingerprint", "--json", "-v", pub])
        let art = try #require(Self.objects(verbose.stdout).first?["randomart"] as? String)
        let textArt = try Tool.keyport(["fingerprint", "-v", pub]).stdout.split(separator: "\n", maxSplits: 1)[1]
        #expect(art + "\n" == textArt)
    }
}

/// `line` and `file` mean one thing in every command.
@Suite struct JSONLineAndFileTests {
    @Test func lineIsNullForWholeFileKeysInEveryCommand() throws {
        for name in ["pem/rsa1024-pkcs1-public.pem", "ppk/rsa1024-v2.ppk", "openssh/ed25519-plain", "public/rsa-2048.rfc4716"] {
            let path = fixturesURL.appendingPathComponent(name).path
            for arguments in [["inspect", "--json", path], ["fingerprint", "--json", path], ["lint", "--format", "json", "--fail-on", "info", path]] {
                let first = try #require(JSONContractTests.objects(try Tool.keyport(arguments).stdout).first)
                #expect(first["line"] is NSNull, "\(arguments)")
            }
            #expect(try Tool.keyport(["inspect", path]).stdout.hasPrefix(path + "\n"))
        }
        // Several keys in one armoured file: each has the line of its BEGIN.
        let dir = try TempDir()
        let pem = try String(contentsOf: fixturesURL.appendingPathComponent("pem/rsa1024-pkcs1-public.pem"), encoding: .utf8)
        let spki = try String(contentsOf: fixturesURL.appendingPathComponent("pem/ec-p256-spki.pem"), encoding: .utf8)
        let both = try dir.write("both.pem", pem + spki)
        let lines = JSONContractTests.objects(try Tool.keyport(["inspect", "--json", both]).stdout).map { $0["line"] as? Int }
        #expect(lines == [1, pem.split(separator: "\n").count + 1])
    }

    @Test func lintNamesStandardInputAsTheOthersDo() throws {
        let key = try Data(contentsOf: fixturesURL.appendingPathComponent("public/rsa-1024.pub"))
        let json = try Tool.keyport(["lint", "--format", "json", "-"], stdin: key)
        #expect(JSONContractTests.objects(json.stdout).first?["file"] as? String == "(stdin)")
        let text = try Tool.keyport(["lint", "-"], stdin: key)
        #expect(text.stdout.hasPrefix("(stdin):1: "))
    }
}
