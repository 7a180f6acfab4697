// NIOSSHExec: run one command on an SSH server through swift-nio-ssh, logging in with a key file
// keyport reads (openssh-key-v1, PPK v2/v3, PEM, PKCS#8; encrypted or not) and accepting the server
// only when its host key is in a known_hosts file.
//
//   NIOSSHExec --key FILE [--passphrase-file FILE] [--port N] [--user NAME] --known-hosts FILE HOST COMMAND...
//
// COMMAND's words are joined with spaces and run by the remote user's shell, as ssh does. Its
// standard output and standard error are copied to ours; standard input is not sent (as `ssh -n`).
//
// Exit status: the remote command's; 64 usage; 65 a key file keyport cannot use (damaged, or a type
// swift-nio-ssh cannot use such as RSA); 66 a file that cannot be read; 77 wrong or missing
// passphrase; 74 our standard output or error cannot be written; 255 connection, host key or
// authentication failure, or a command killed by a signal (as ssh).

import Foundation
import Keyport
import KeyportNIOSSH
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSH

let usage = "usage: NIOSSHExec --key FILE [--passphrase-file FILE] [--port N] [--user NAME] --known-hosts FILE HOST COMMAND..."

/// Prints `NIOSSHExec: message` on standard error and exits.
func fail(_ message: String, _ status: Int32) -> Never {
    FileHandle.standardError.write(Data("NIOSSHExec: \(message)\n".utf8))
    exit(status)
}

// MARK: - Arguments

struct Arguments {
    var key: String?
    var passphraseFile: String?
    var knownHosts: String?
    var port = 22
    var user: String?
    var host = ""
    var command: [String] = []

    /// Options come before HOST; everything after HOST is the command, as with ssh.
    init(_ words: [String]) {
        var rest = words[...]
        while let word = rest.first, word.hasPrefix("-") {
            rest = rest.dropFirst()
            if word == "--" { break }
            if word == "-h" || word == "--help" {
                print(usage)
                exit(0)
            }
            var name = word, value: String?
            if let eq = word.firstIndex(of: "=") {
                name = String(word[..<eq])
                value = String(word[word.index(after: eq)...])
            }
            guard ["--key", "--passphrase-file", "--known-hosts", "--port", "--user"].contains(name) else {
                fail("unknown option \(name)\n\(usage)", 64)
            }
            if value == nil {
                guard let next = rest.first else { fail("\(name) needs a value\n\(usage)", 64) }
                value = next
                rest = rest.dropFirst()
            }
            switch name {
            case "--key": key = value
            case "--passphrase-file": passphraseFile = value
            case "--known-hosts": knownHosts = value
            case "--user": user = value
            default:
                guard let port = Int(value!), (1...65535).contains(port) else { fail("--port: \(value!) is not a port number (1-65535)", 64) }
                self.port = port
            }
        }
        guard let host = rest.first, !host.isEmpty else { fail("no HOST given\n\(usage)", 64) }
        self.host = host
        command = Array(rest.dropFirst())
        guard !command.isEmpty else { fail("no COMMAND given (NIOSSHExec runs one command; it has no interactive shell)\n\(usage)", 64) }
        guard key != nil else { fail("--key FILE is required\n\(usage)", 64) }
        // No blind trust: without a known_hosts file nothing could vouch for the server.
        guard knownHosts != nil else { fail("--known-hosts FILE is required: the server's host key must be known\n\(usage)", 64) }
    }
}

let arguments = Arguments(Array(CommandLine.arguments.dropFirst()))
let user = arguments.user ?? ProcessInfo.processInfo.environment["USER"] ?? getpwuid(getuid()).map { String(cString: $0.pointee.pw_name) } ?? "root"

// MARK: - Key and known hosts

/// The first line of the passphrase file, without its line ending (as keyport --passphrase-file).
func readPassphrase(_ path: String) -> SecureBytes {
    do {
        var bytes = try FileIO.read(path, limit: 64 * 1024)
        defer { SecureBytes.wipe(&bytes) }
        var end = bytes.firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
        if end > 0, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return SecureBytes(bytes[0..<end])
    } catch {
        fail("\(error)", 66)
    }
}

let privateKey: NIOSSHPrivateKey
do {
    let passphrase = arguments.passphraseFile.map(readPassphrase)
    privateKey = try NIOSSHPrivateKey(keyFile: arguments.key!, passphrase: passphrase)
} catch KeyportError.wrongPassphrase {
    fail("\(arguments.key!): wrong passphrase", 77)
} catch KeyportError.passphraseRequired {
    fail("\(arguments.key!): the key is encrypted; give its passphrase with --passphrase-file FILE", 77)
} catch let error as KeyportError {
    if case .io = error { fail("\(error)", 66) }
    fail("\(arguments.key!): \(error)", 65)
} catch {
    fail("\(arguments.key!): \(error)", 65)
}

let knownHosts: KnownHosts
do {
    knownHosts = try KnownHosts(path: arguments.knownHosts!)
} catch {
    fail("\(error)", 66)
}

// MARK: - SSH

/// The first error of the connection: the one worth reporting (later ones are its consequences).
let firstError = NIOLockedValueBox<(any Error)?>(nil)
func record(_ error: any Error) {
    firstError.withLockedValue { if $0 == nil { $0 = error } }
}

enum ClientError: Error, CustomStringConvertible {
    case keyRefused(user: String), noPublicKeyAuth, execRefused, noExitStatus, writeFailed(String)
    var description: String {
        switch self {
        case let .keyRefused(user): return "permission denied: the server did not accept the key for user \(user)"
        case .noPublicKeyAuth: return "permission denied: the server does not offer public-key authentication"
        case .execRefused: return "the server refused to run the command"
        case .noExitStatus: return "the session ended without the command's exit status"
        case let .writeFailed(what): return "cannot write to \(what)"
        }
    }
}

/// Offers the one key once: a second call means the server refused it.
final class KeyAuthentication: NIOSSHClientUserAuthenticationDelegate, Sendable {
    let user: String
    let key: NIOSSHPrivateKey
    let offered = NIOLockedValueBox(false)

    init(user: String, key: NIOSSHPrivateKey) {
        self.user = user
        self.key = key
    }

    func nextAuthenticationType(availableMethods: NIOSSHAvailableUserAuthenticationMethods,
                                nextChallengePromise: EventLoopPromise<NIOSSHUserAuthenticationOffer?>) {
        let firstTime = offered.withLockedValue { was in defer { was = true }; return !was }
        guard firstTime else { return nextChallengePromise.fail(ClientError.keyRefused(user: user)) }
        guard availableMethods.contains(.publicKey) else { return nextChallengePromise.fail(ClientError.noPublicKeyAuth) }
        nextChallengePromise.succeed(NIOSSHUserAuthenticationOffer(username: user, serviceName: "ssh-connection",
                                                                    offer: .privateKey(.init(privateKey: key))))
    }
}

/// Records the first error of a pipeline and closes it.
final class ErrorHandler: ChannelInboundHandler {
    typealias InboundIn = Any
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        record(error)
        context.close(promise: nil)
    }
}

/// Writes all of `buffer` to a file descriptor (blocking; output order is what matters here).
func writeAll(_ fd: Int32, _ buffer: ByteBuffer) -> Bool {
    buffer.withUnsafeReadableBytes { bytes in
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0, errno == EINTR { continue }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }
}

/// The remote command's exit status, once the server sends it.
let remoteStatus = NIOLockedValueBox<Int32?>(nil)

/// The session channel: sends the exec request, copies output, collects the exit status.
final class ExecHandler: ChannelDuplexHandler {
    typealias InboundIn = SSHChannelData
    typealias OutboundIn = Never
    typealias OutboundOut = SSHChannelData

    let command: String

    init(command: String) {
        self.command = command
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // The server closes its side after the command; we still want the exit status after that.
        context.channel.setOption(ChannelOptions.allowRemoteHalfClosure, value: true).whenFailure { record($0) }
    }

    func channelActive(context: ChannelHandlerContext) {
        let exec = SSHChannelRequestEvent.ExecRequest(command: command, wantReply: true)
        context.triggerUserOutboundEvent(exec).assumeIsolated().flatMap {
            // Nothing to send on standard input: end it now, so commands that read it finish.
            context.close(mode: .output)
        }.whenFailure { error in
            record(error)
            context.close(promise: nil)
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let message = unwrapInboundIn(data)
        guard case let .byteBuffer(bytes) = message.data else { return }
        let (fd, name) = message.type == .stdErr ? (STDERR_FILENO, "standard error") : (STDOUT_FILENO, "standard output")
        if !writeAll(fd, bytes) {
            record(ClientError.writeFailed(name))
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case let event as SSHChannelRequestEvent.ExitStatus:
            remoteStatus.withLockedValue { $0 = Int32(truncatingIfNeeded: event.exitStatus) }
        case let event as SSHChannelRequestEvent.ExitSignal:
            let message = event.errorMessage.isEmpty ? "" : ": \(event.errorMessage)"
            FileHandle.standardError.write(Data("NIOSSHExec: remote command killed by signal \(event.signalName)\(message)\n".utf8))
            remoteStatus.withLockedValue { $0 = 255 }
        case is ChannelFailureEvent:
            record(ClientError.execRefused)
            context.close(promise: nil)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

}

let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
let userAuth = KeyAuthentication(user: user, key: privateKey)
let serverAuth = knownHosts.validator(host: arguments.host, port: arguments.port)
let bootstrap = ClientBootstrap(group: group)
    .channelInitializer { [userAuth, serverAuth] channel in
        channel.eventLoop.makeCompletedFuture {
            let ssh = NIOSSHHandler(role: .client(.init(userAuthDelegate: userAuth, serverAuthDelegate: serverAuth)),
                                    allocator: channel.allocator, inboundChildChannelInitializer: nil)
            try channel.pipeline.syncOperations.addHandlers(ssh, ErrorHandler())
        }
    }
    .channelOption(ChannelOptions.socket(SocketOptionLevel(IPPROTO_TCP), TCP_NODELAY), value: 1)
    .connectTimeout(.seconds(30))

/// Reports the connection's first error (or `fallback`) and exits 255, as ssh does.
func connectionFailed(_ fallback: any Error) -> Never {
    let error = firstError.withLockedValue { $0 } ?? fallback
    fail("\(HostPatterns.knownHostsName(host: arguments.host, port: arguments.port)): \(error)", 255)
}

signal(SIGPIPE, SIG_IGN)
let connection: Channel
do {
    connection = try bootstrap.connect(host: arguments.host, port: arguments.port).wait()
} catch {
    fail("cannot connect to \(arguments.host) port \(arguments.port): \(error)", 255)
}

do {
    let session = try connection.pipeline.handler(type: NIOSSHHandler.self).flatMap { ssh in
        let promise = connection.eventLoop.makePromise(of: Channel.self)
        ssh.createChannel(promise) { child, type in
            child.eventLoop.makeCompletedFuture {
                try child.pipeline.syncOperations.addHandlers(ExecHandler(command: arguments.command.joined(separator: " ")), ErrorHandler())
            }
        }
        return promise.futureResult
    }.wait()
    try session.closeFuture.wait()
} catch {
    connectionFailed(error)
}
// A session that ended without an exit status (the server refused the command, or the connection
// broke) is a failure, never a success.
guard let exitStatus = remoteStatus.withLockedValue({ $0 }) else {
    connectionFailed(ClientError.noExitStatus)
}
// Output that could not be written is not a success either, whatever the command returned.
if case let .writeFailed(what)? = firstError.withLockedValue({ $0 }) as? ClientError {
    fail("cannot write to \(what)", 74)
}
try? connection.close().wait()
try? group.syncShutdownGracefully()
exit(exitStatus)
