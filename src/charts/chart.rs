//! What every chart is: typed rows in; SVG, PNG and a plain-English text
//! alternative out. One implementation per chart, so code that handles "any
//! chart" (the briefing's catalogue, the tests) is written once.
use super::rows::{
    BurnUpPoint, ConfidencePeriod, FinancialYearBar, FundingBar, MaturityBar, SlippageBar,
};
use super::{ChartError, ChartOptions};

/// One kind of chart over rows of type [`Chart::Row`]. Implementations are
/// pure: the same rows and options always give byte-identical output, and
/// no rows at all draw a "No data" chart rather than failing.
pub trait Chart {
    type Row;
    /// Draws the chart as an SVG document carrying the title and description.
    fn svg(rows: &[Self::Row], opts: &ChartOptions) -> Result<String, ChartError>;
    /// Draws the chart as PNG bytes of the requested size.
    fn png(rows: &[Self::Row], opts: &ChartOptions) -> Result<Vec<u8>, ChartError>;
    /// The text alternative, computed from the rows.
    fn description(rows: &[Self::Row]) -> String;
}

macro_rules! chart {
    ($(#[$doc:meta])* $name:ident, $row:ty, $svg:path, $png:path, $description:path) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug)]
        pub struct $name;

        impl Chart for $name {
            type Row = $row;
            fn svg(rows: &[$row], opts: &ChartOptions) -> Result<String, ChartError> {
                $svg(rows, opts)
            }
            fn png(rows: &[$row], opts: &ChartOptions) -> Result<Vec<u8>, ChartError> {
                $png(rows, opts)
            }
            fn description(rows: &[$row]) -> String {
                $description(rows)
            }
        }
    };
}

chart!(
    /// Cumulative milestones due (baseline, forecast) and completed, by month.
    BurnUp,
    BurnUpPoint,
    super::burn_up_svg,
    super::burn_up_png,
    super::burn_up_description
);
chart!(
    /// Central funding per participant against its cap.
    FundingByParticipant,
    FundingBar,
    super::funding_by_participant_svg,
    super::funding_by_participant_png,
    super::funding_by_participant_description
);
chart!(
    /// Funding profiled and released per financial year.
    FundingByYear,
    FinancialYearBar,
    super::funding_by_year_svg,
    super::funding_by_year_png,
    super::funding_by_year_description
);
chart!(
    /// Delivery-confidence ratings per reporting period.
    DeliveryConfidence,
    ConfidencePeriod,
    super::delivery_confidence_svg,
    super::delivery_confidence_png,
    super::delivery_confidence_description
);
chart!(
    /// Worst milestone slippage per participant.
    Slippage,
    SlippageBar,
    super::slippage_svg,
    super::slippage_png,
    super::slippage_description
);
chart!(
    /// HIMSS EMRAM stage per participant against its target.
    Maturity,
    MaturityBar,
    super::maturity_svg,
    super::maturity_png,
    super::maturity_description
);

#[cfg(test)]
mod tests {
    //! One table of every chart, each with sample rows; every chart meets
    //! the same contract.
    use super::*;
    use crate::charts::testutil::*;

    /// What the contract test needs of one chart, with its rows erased.
    struct Case {
        name: &'static str,
        check: Box<dyn Fn(&ChartOptions)>,
    }

    fn case<C: Chart + 'static>(name: &'static str, rows: Vec<C::Row>) -> Case {
        Case {
            name,
            check: Box::new(move |o: &ChartOptions| contract::<C>(name, &rows, o)),
        }
    }

    /// Sizes honoured, output deterministic, accessible SVG, and empty
    /// input drawn as "No data" in every form.
    fn contract<C: Chart>(name: &str, rows: &[C::Row], o: &ChartOptions) {
        let png = C::png(rows, o).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_png(&png, o.width, o.height);
        assert_eq!(png, C::png(rows, o).unwrap(), "{name}: PNG deterministic");
        let svg = C::svg(rows, o).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(svg, C::svg(rows, o).unwrap(), "{name}: SVG deterministic");
        assert_accessible(&svg, &o.title);
        // The SVG's <desc> is the text alternative (grouped charts add a note).
        let description = super::super::format::xml_escape(&C::description(rows));
        assert!(desc_of(&svg).starts_with(&*description), "{name}: desc");
        let empty = C::svg(&[], o).unwrap();
        assert!(empty.contains("No data"), "{name}: empty SVG");
        assert_accessible(&empty, &o.title);
        assert!(
            C::description(&[]).starts_with("No data"),
            "{name}: empty description"
        );
        assert_png(&C::png(&[], o).unwrap(), o.width, o.height);
    }

    fn every_chart() -> Vec<Case> {
        vec![
            case::<BurnUp>("burn-up", months((2016, 1), 144, 400)),
            case::<FundingByParticipant>("funding by participant", seed_funding()),
            case::<FundingByYear>("funding by year", years(5)),
            case::<DeliveryConfidence>("delivery confidence", periods(20, 38)),
            case::<Slippage>("slippage", seed_slippage()),
            case::<Maturity>("maturity", seed_maturity()),
        ]
    }

    #[test]
    fn every_chart_meets_the_contract() {
        for (w, h) in [(1200, 700), (1600, 900)] {
            for c in every_chart() {
                let o = opts(c.name).size(w, h);
                (c.check)(&o);
            }
        }
    }
}
