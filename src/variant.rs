//! A model's variants: the mirrors of real code, fixes proposed and not in the code, and bad
//! variants that show a property can fail. A model declares them once, as an enum with
//! `variants!`, which gives each its name, kind and summary.

/// A named variant of a model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Variant {
    /// Stable name used on the command line (`--variant NAME`).
    pub name: &'static str,
    /// One sentence on what the variant changes.
    pub summary: &'static str,
    /// What it mirrors.
    pub kind: VariantKind,
    /// The releases of the real code it stands for (`3.13`), for the version matrix; empty for
    /// fixes, ablations and bad variants.
    pub releases: &'static [&'static str],
}

/// What a variant mirrors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VariantKind {
    /// Real code, as written (a version of CPython, another implementation, a real program).
    Real,
    /// A fix that was proposed (or that this project proposes) and is not in the real code.
    ProposedFix,
    /// Hypothetical: real code with one mechanism taken out, to show what the mechanism does
    /// (no real version runs it).
    Ablation,
    /// Deliberately broken, to show that a property can fail.
    Bad,
}

impl VariantKind {
    /// The kind in words, for tables.
    pub fn describe(self) -> &'static str {
        match self {
            VariantKind::Real => "real code",
            VariantKind::ProposedFix => "proposed fix",
            VariantKind::Ablation => "ablation (hypothetical)",
            VariantKind::Bad => "bad variant",
        }
    }
}

/// A model's variants, as an enum declared with `variants!`.
pub trait Variants: Copy + Eq + std::fmt::Debug + Send + Sync + 'static {
    /// Every variant, the default first.
    const ALL: &'static [Variant];
    /// The variant named `name`.
    fn from_name(name: &str) -> Option<Self>;
    /// The variant's name.
    fn name(self) -> &'static str;
}

/// Declares a model's variants once: the enum, and for each variant its name on the command
/// line, its kind (`Real`, `ProposedFix`, `Ablation` or `Bad`), a one-line summary and,
/// optionally, the releases of the real code it stands for (`["3.13", "3.14"]`).
///
/// ```
/// gilcheck::variants! {
///     /// How the queue hands items over.
///     pub enum QueueVariant {
///         /// As `queue.Queue` does it.
///         Faithful => ("while-loop", Real, "waiters re-check the condition in a loop", ["3.13"]),
///         /// The classic mistake.
///         IfInsteadOfWhile => ("if-instead-of-while", Bad, "a woken waiter does not re-check"),
///     }
/// }
/// use gilcheck::variant::Variants;
/// assert_eq!(QueueVariant::from_name("while-loop"), Some(QueueVariant::Faithful));
/// assert_eq!(QueueVariant::ALL[1].name, "if-instead-of-while");
/// assert_eq!(QueueVariant::ALL[0].releases, ["3.13"]);
/// ```
#[macro_export]
macro_rules! variants {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident => ($label:literal, $kind:ident, $summary:literal
                    $(, [$($release:literal),* $(,)?])?)
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        $vis enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        impl $crate::variant::Variants for $name {
            const ALL: &'static [$crate::variant::Variant] = &[$(
                $crate::variant::Variant {
                    name: $label,
                    summary: $summary,
                    kind: $crate::variant::VariantKind::$kind,
                    releases: &[$($($release),*)?],
                },
            )*];

            fn from_name(name: &str) -> Option<Self> {
                match name {
                    $($label => Some($name::$variant),)*
                    _ => None,
                }
            }

            fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)*
                }
            }
        }
    };
}
