/// The version both services report in `hello` and `--version`.
public enum TidendeVersion {
    public static let string = "0.1.0"
}
