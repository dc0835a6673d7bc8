-- Rules of the example province layer (examples/province-dong-nai). A layer's rule modules need
-- names of their own: a module name a lower layer already loads is an error.

-- Example, not Đồng Nai's real fee: 5,000 VND a copy of a civil-status extract instead of the
-- national 8,000 (the province layer replaces the procedure to say so).
local COPY_FEE = 5000

function copy_fee(d)
  local copies = d.fields["copies"] or 1
  return copies * COPY_FEE
end

-- The study support is paid to pupils of poor households only.
function poor_household(d)
  return d.fields["poor-household"] == true
end
