//! Digital maturity: a dated score on a named scale. Exemplars aimed at
//! HIMSS EMRAM stage 7 and fast followers at stage 5 (see `Role::maturity_target`).
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MaturityScale {
    /// HIMSS Electronic Medical Record Adoption Model, stages 0 to 7.
    HimssEmram,
    /// NHS England's Digital Maturity Assessment, scored 0 to 100.
    Dma,
}

impl MaturityScale {
    pub const ALL: &'static [MaturityScale] = &[MaturityScale::HimssEmram, MaturityScale::Dma];

    pub fn code(self) -> &'static str {
        match self {
            MaturityScale::HimssEmram => "himss_emram",
            MaturityScale::Dma => "dma",
        }
    }

    pub fn from_code(code: &str) -> Result<MaturityScale, String> {
        MaturityScale::ALL
            .iter()
            .copied()
            .find(|s| s.code() == code.trim())
            .ok_or_else(|| format!("{code:?} is not a maturity scale; use himss_emram or dma"))
    }

    pub fn label(self) -> &'static str {
        match self {
            MaturityScale::HimssEmram => "HIMSS EMRAM stage",
            MaturityScale::Dma => "Digital Maturity Assessment score",
        }
    }

    pub fn max(self) -> u8 {
        match self {
            MaturityScale::HimssEmram => 7,
            MaturityScale::Dma => 100,
        }
    }
}

/// A score valid for its scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct MaturityScore(u8);

impl MaturityScore {
    pub fn new(scale: MaturityScale, score: i64) -> Result<MaturityScore, String> {
        if (0..=i64::from(scale.max())).contains(&score) {
            Ok(MaturityScore(score as u8))
        } else {
            Err(format!(
                "{score} is outside the {} range 0 to {}",
                scale.label(),
                scale.max()
            ))
        }
    }

    pub fn parse(scale: MaturityScale, text: &str) -> Result<MaturityScore, String> {
        let score: i64 = text
            .trim()
            .parse()
            .map_err(|_| format!("{text:?} is not a whole number"))?;
        MaturityScore::new(scale, score)
    }

    pub fn value(self) -> u8 {
        self.0
    }
}

impl fmt::Display for MaturityScore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emram_stages_run_from_zero_to_seven() {
        assert_eq!(
            MaturityScore::parse(MaturityScale::HimssEmram, "7")
                .unwrap()
                .value(),
            7
        );
        assert_eq!(
            MaturityScore::parse(MaturityScale::HimssEmram, "8").unwrap_err(),
            "8 is outside the HIMSS EMRAM stage range 0 to 7"
        );
        assert!(MaturityScore::parse(MaturityScale::HimssEmram, "-1").is_err());
        assert!(MaturityScore::parse(MaturityScale::HimssEmram, "six").is_err());
    }

    #[test]
    fn dma_scores_run_to_one_hundred() {
        assert!(MaturityScore::parse(MaturityScale::Dma, "100").is_ok());
        assert!(MaturityScore::parse(MaturityScale::Dma, "101").is_err());
    }

    #[test]
    fn scale_codes_round_trip() {
        for scale in MaturityScale::ALL {
            assert_eq!(MaturityScale::from_code(scale.code()).unwrap(), *scale);
        }
        assert!(MaturityScale::from_code("emram").is_err());
    }
}
