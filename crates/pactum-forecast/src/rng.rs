//! The random numbers of a forecast: xoshiro256** seeded through splitmix64 from (seed, run,
//! stream), so every run and every generator inside a run has its own stream, whatever thread
//! runs it and in whatever order. Distributions: uniform, normal (Box–Muller), exponential,
//! gamma (Marsaglia–Tsang) and Poisson by inversion of a given uniform (so that a larger mean
//! never gives a smaller count for the same draw).

/// One step of splitmix64 (Steele, Lea and Flood): a good 64-bit mixer.
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn mix(a: u64, b: u64) -> u64 {
    let mut s = a ^ b.wrapping_mul(0xD1B5_4A32_D192_ED03);
    splitmix64(&mut s)
}

/// xoshiro256** (Blackman and Vigna).
#[derive(Clone, Debug)]
pub struct Rng {
    s: [u64; 4],
}

/// Stream numbers below this are reserved for the run's own draws (parameters); generator
/// `g` uses stream `GENERATOR_STREAMS + g`.
pub const GENERATOR_STREAMS: u64 = 16;

impl Rng {
    /// The stream `stream` of run `run` of a forecast seeded with `seed`.
    pub fn new(seed: u64, run: u64, stream: u64) -> Rng {
        let mut h = mix(mix(mix(0x6A09_E667_F3BC_C908, seed), run), stream);
        let mut s = [0u64; 4];
        for x in &mut s {
            *x = splitmix64(&mut h);
        }
        if s == [0; 4] {
            s[0] = 1;
        }
        Rng { s }
    }

    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in (0, 1): never exactly 0 or 1, so logarithms are safe.
    pub fn unit(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// Standard normal, by the Box–Muller transform (one of the pair is used, so every
    /// draw consumes exactly two uniforms and streams stay aligned).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.unit();
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Exponential with mean 1.
    pub fn exp1(&mut self) -> f64 {
        -self.unit().ln()
    }

    /// Gamma with the given shape and rate (mean shape / rate), by Marsaglia and Tsang's
    /// method; a shape below 1 is boosted by `U^(1/shape)`.
    pub fn gamma(&mut self, shape: f64, rate: f64) -> f64 {
        if shape.is_nan() || rate.is_nan() || shape <= 0.0 || rate <= 0.0 {
            return 0.0;
        }
        if shape < 1.0 {
            let g = self.gamma(shape + 1.0, 1.0);
            return g * self.unit().powf(1.0 / shape) / rate;
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal();
            let v = 1.0 + c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u = self.unit();
            if u < 1.0 - 0.0331 * x * x * x * x || u.ln() < 0.5 * x * x + d * (1.0 - v + v.ln()) {
                return d * v / rate;
            }
        }
    }
}

/// The Poisson count with mean `mean` whose distribution function first reaches `u`:
/// inversion, monotone in `mean` for a fixed `u`. Above a mean of 200 the normal
/// approximation (with continuity correction) is used.
pub fn poisson_inv(mean: f64, u: f64) -> u64 {
    if mean.is_nan() || mean <= 0.0 {
        return 0;
    }
    if mean > 200.0 {
        let k = mean + mean.sqrt() * norm_inv(u) + 0.5;
        return if k <= 0.0 { 0 } else { k.floor() as u64 };
    }
    let mut p = (-mean).exp();
    let mut cdf = p;
    let mut k = 0u64;
    while cdf < u && k < 10_000 {
        k += 1;
        p *= mean / k as f64;
        cdf += p;
        if p == 0.0 && cdf < u {
            // Rounding: the tail is lost; the count cannot grow further.
            break;
        }
    }
    k
}

/// The standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9).
pub fn norm_inv(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] =
        [-5.447_609_879_822_406e1, 1.615_858_368_580_409e2, -1.556_989_798_598_866e2, 6.680_131_188_771_972e1, -1.328_068_155_288_572e1];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [7.784_695_709_041_462e-3, 3.224_671_290_700_398e-1, 2.445_134_137_142_996, 3.754_408_661_907_416];
    let p = p.clamp(1e-300, 1.0 - 1e-16);
    let lo = 0.024_25;
    if p < lo {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - lo {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * (1.0 - p).ln()).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..4).map(|_| Rng::new(7, 3, 1).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        let mut r1 = Rng::new(7, 3, 1);
        let mut r2 = Rng::new(7, 4, 1);
        let mut r3 = Rng::new(7, 3, 2);
        let (x1, x2, x3) = (r1.next_u64(), r2.next_u64(), r3.next_u64());
        assert!(x1 != x2 && x1 != x3 && x2 != x3);
    }

    #[test]
    fn moments_are_right() {
        let mut r = Rng::new(1, 0, 0);
        let n = 200_000;
        let mean = |f: &mut dyn FnMut() -> f64| (0..n).map(|_| f()).sum::<f64>() / n as f64;
        let m = mean(&mut || r.normal());
        assert!(m.abs() < 0.01, "normal mean {m}");
        let m = mean(&mut || r.gamma(3.0, 2.0));
        assert!((m - 1.5).abs() < 0.01, "gamma mean {m}");
        let m = mean(&mut || r.gamma(0.5, 1.0));
        assert!((m - 0.5).abs() < 0.01, "gamma(0.5) mean {m}");
        let m = mean(&mut || poisson_inv(4.2, r.unit()) as f64);
        assert!((m - 4.2).abs() < 0.03, "poisson mean {m}");
        let m = mean(&mut || poisson_inv(900.0, r.unit()) as f64);
        assert!((m - 900.0).abs() < 0.5, "poisson (normal) mean {m}");
    }

    #[test]
    fn poisson_inversion_is_monotone_in_the_mean() {
        for u in [0.01, 0.3, 0.5, 0.9, 0.999] {
            let mut last = 0;
            for m in [0.1, 0.5, 1.0, 5.0, 50.0, 199.0, 201.0, 1000.0] {
                let k = poisson_inv(m, u);
                assert!(k >= last, "u {u} mean {m}");
                last = k;
            }
        }
        assert!((norm_inv(0.975) - 1.959_964).abs() < 1e-5);
    }
}
