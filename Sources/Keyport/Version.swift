/// The keyport version: the one place it is written (CHANGELOG.md names it too).
public enum KeyportVersion {
    public static let current = "0.1.0"
}
