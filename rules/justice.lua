-- Rules of the justice procedures (Law on Judicial Records 2009).

-- Assumption (Circular 244/2016/TT-BTC, not in DOMAIN.md): 200,000 VND a certificate; half for
-- students, people with meritorious services and poor households.
local FEE = 200000
local REDUCED_FEE = 100000

function certificate_fee(d)
  if d.fields["reduced-fee"] == true then
    return REDUCED_FEE
  end
  return FEE
end
