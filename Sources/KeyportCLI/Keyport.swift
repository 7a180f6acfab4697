import ArgumentParser
@main struct KeyportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "keyport")
}
