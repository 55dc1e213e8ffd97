# frozen_string_literal: true

require "json"
require "base64"

module Rcc
  # Renders what Rails read as the `rails_reads` JSON of /work/shared/rails-vectors/README.md:
  # Symbols as strings, Times as ISO-8601 with microseconds, binary strings as {"$binary": base64},
  # Ranges as "1..10", nil as null. Hash keys become strings the same way.
  #
  # Beyond the README (documented in rails-fixture-app/README.md): Floats JSON cannot hold become
  # {"$float": "NaN" | "Infinity" | "-Infinity"}; Dates are "YYYY-MM-DD"; any other object is
  # {"$object": class name, "$inspect": inspect} so that nothing is silently dropped. The exact
  # objects are always in `rails_reads_marshal`.
  module RailsReads
    module_function

    def convert(value)
      case value
      when nil, true, false, Integer then value
      when Float
        value.finite? ? value : { "$float" => value.nan? ? "NaN" : (value.positive? ? "Infinity" : "-Infinity") }
      when String then convert_string(value)
      when Symbol then convert_string(value.name)
      when Hash then value.each_with_object({}) { |(k, v), h| h[key(k)] = convert(v) }
      when Array then value.map { |v| convert(v) }
      when Range then value.to_s
      when Time, DateTime then value.iso8601(6)
      when Date then value.iso8601
      else
        if defined?(ActiveSupport::TimeWithZone) && value.is_a?(ActiveSupport::TimeWithZone)
          value.iso8601(6)
        else
          { "$object" => value.class.name, "$inspect" => value.inspect }
        end
      end
    end

    # Binary (ASCII-8BIT) strings, and strings whose bytes are not valid in their encoding, cannot be
    # JSON text: they become {"$binary": base64 of the bytes}.
    def convert_string(s)
      if s.encoding == Encoding::BINARY || !s.valid_encoding?
        { "$binary" => Base64.strict_encode64(s) }
      else
        s.encode(Encoding::UTF_8)
      end
    end

    def key(k)
      out = convert(k)
      out.is_a?(String) ? out : JSON.generate(out)
    end

    def marshal_b64(value)
      Base64.strict_encode64(Marshal.dump(value))
    end
  end
end
