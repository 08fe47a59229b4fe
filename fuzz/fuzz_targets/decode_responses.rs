//! Decodes arbitrary bytes into every type of the spec: any input must give a value or an
//! error, never a panic or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

macro_rules! each {
    ($(($t:ty, $name:literal),)*) => {
        fn decode_all(bytes: &[u8]) {
            $( let _ = serde_json::from_slice::<$t>(bytes); )*
        }
    };
}
vspc_licensing::with_every_schema!(each);

fuzz_target!(|data: &[u8]| decode_all(data));
