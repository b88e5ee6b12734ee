// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Test token that burns a fee (1 % unless changed) of every transfer, so the receiver gets less than was
/// sent. The fee can be switched on and off, as some tokens' owners can.
contract MockFeeOnTransferERC20 is ERC20 {
    uint256 public feeBps = 100;

    constructor() ERC20("Fee Token", "FEE") {}

    /// @notice Mints `amount` to `to`. Test only.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Sets the transfer fee. Test only.
    function setFeeBps(uint256 feeBps_) external {
        feeBps = feeBps_;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0) && to != address(0)) {
            uint256 fee = value * feeBps / 10_000;
            super._update(from, address(0), fee);
            value -= fee;
        }
        super._update(from, to, value);
    }
}
