-- Rules of the civil-status procedures (Law on Civil Status 2014).

-- Assumption: the fee for a late registration. Civil-status fees are set by each province's
-- People's Council; 5,000 VND stands in until the province's figure is entered here.
local LATE_FEE = 5000

-- Assumption: the fee for one copy of a civil-status extract (not in DOMAIN.md).
local COPY_FEE = 8000

-- True when the dossier was submitted after the end of the registration period that starts on
-- the date held in field `field`. A dossier without that date is taken as on time.
local function after_period(d, field, period)
  local day = d.fields[field]
  if day == nil then
    return false
  end
  return d.submitted > calendar.add(day, period)
end

-- A birth is registered within 60 days (Law on Civil Status 2014, art. 15); registration on
-- time is free (arts. 11, 15, 16).
function birth_late(d)
  return after_period(d, "birth-date", "60d")
end

function birth_fee(d)
  if birth_late(d) then
    return LATE_FEE
  end
  return 0
end

-- A death is registered within 15 days (Law on Civil Status 2014, art. 33). Assumption: as for
-- births, registration on time is free (art. 11 is cited in DOMAIN.md only for births).
function death_late(d)
  return after_period(d, "death-date", "15d")
end

function death_fee(d)
  if death_late(d) then
    return LATE_FEE
  end
  return 0
end

-- Copies of civil-status extracts: COPY_FEE per copy, one copy when the field is empty.
function copy_fee(d)
  local copies = d.fields["copies"] or 1
  return copies * COPY_FEE
end
