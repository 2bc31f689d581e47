/// Unicode scalars that change how text around them is shown rather than being shown
/// themselves: C0 controls (newline and tab included), DEL, C1 controls (ESC sequences and their
/// 8-bit forms move the cursor, recolour, retitle the window) and the bidirectional formatting
/// characters (which reorder what follows, e.g. to disguise a file's extension). Text from other
/// people must not carry them to a screen or a file name unescaped.
public enum DisplayControls {
    /// Whether `scalar` is one of them.
    public static func contains(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// Whether `text` holds any of them.
    public static func occur(in text: String) -> Bool { text.unicodeScalars.contains(where: contains) }
}
