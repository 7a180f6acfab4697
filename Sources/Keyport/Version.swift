/// The keyport version: the one place it is written (CHANGELOG.md names it too).
public enum KeyportVersion {
    /// The version `keyport --version` prints and SARIF output names.
    public static let current = "0.1.0"
}
