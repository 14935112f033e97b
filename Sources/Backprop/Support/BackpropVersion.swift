/// The version of Backprop: in `backprop --version`, bench reports and checkpoint metadata
/// (`backprop_version`). CHANGELOG.md says what each one changed.
public enum BackpropVersion {
    public static let current = "0.2.0"
}
